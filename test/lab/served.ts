// What an endpoint serves, one handshake at a time or what it settles on. Right after an nginx
// reload, old and new workers both answer for a moment, so one handshake can see either; a test
// asking "what is served now" waits (bounded) until `streak` handshakes in a row agree, and
// returns that answer. With `until`, it keeps waiting (bounded) for that answer to settle, for a
// reload just signalled.
import { connect } from 'node:tls';
import { probe } from '../../src/probe/probe.js';

export async function servedStable(
  address: string,
  port: number,
  sni: string,
  trust: readonly string[],
  options: { streak?: number; until?: string } = {},
): Promise<string> {
  const streak = options.streak ?? 3;
  let last = '';
  let same = 0;
  for (let i = 0; i < 200; i++) {
    const r = await probe({ address, port, sni }, { trust });
    const now = r.ok ? r.leaf.sha256 : `failed: ${r.failure.kind}`;
    same = now === last ? same + 1 : 1;
    last = now;
    if (same >= streak && (options.until === undefined || now === options.until)) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return last;
}

/** SHA-256 (lowercase hex) of the leaf served on address:port, or undefined on no answer. */
export function servedSha256(
  port: number,
  servername = 'localhost',
  address = '127.0.0.1',
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, servername, rejectUnauthorized: false });
    const done = (v: string | undefined): void => {
      socket.destroy();
      resolve(v);
    };
    socket.setTimeout(2_000, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('secureConnect', () =>
      done(socket.getPeerX509Certificate()?.fingerprint256.replace(/:/g, '').toLowerCase()),
    );
  });
}

/** Polls until 127.0.0.1:port serves `sha256` (a reload is asynchronous); bounded. */
export async function waitForServed(
  port: number,
  sha256: string,
  ms = 8_000,
): Promise<string | undefined> {
  const until = Date.now() + ms;
  let seen: string | undefined;
  for (let i = 0; i < 200 && Date.now() < until; i++) {
    seen = await servedSha256(port);
    if (seen === sha256) return seen;
    await new Promise((r) => setTimeout(r, 100));
  }
  return seen;
}
