// The independent verification after each tool: a fresh TLS handshake (Node's tls, not
// certroll's probe) to every port of every host with the SNI name, and the served leaf's SHA-256
// compared with the expected one.
import { createHash } from 'node:crypto';
import { connect } from 'node:tls';

export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

export interface Verification {
  readonly checked: number;
  /** `address:port served` for every port that did not serve the expected leaf. */
  readonly wrong: readonly string[];
}

/** SHA-256 of the served leaf, or `error: ...` (bounded by `timeoutMs`). */
export function servedSha256(
  address: string,
  port: number,
  sni: string,
  timeoutMs = 5_000,
): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, servername: sni, rejectUnauthorized: false });
    const done = (v: string): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done('error: timeout'), timeoutMs);
    socket.once('secureConnect', () => {
      const raw = socket.getPeerCertificate().raw as Buffer | undefined;
      done(
        raw === undefined
          ? 'error: no certificate'
          : createHash('sha256').update(raw).digest('hex'),
      );
    });
    socket.once('error', (e) => done(`error: ${e.message}`));
  });
}

export async function verifyAll(
  hosts: readonly { readonly address: string }[],
  ports: readonly number[],
  sni: string,
  sha256: string,
  concurrency: number,
): Promise<Verification> {
  const endpoints = hosts.flatMap((h) => ports.map((port) => ({ address: h.address, port })));
  const wrong: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < endpoints.length) {
      const e = endpoints[next++]!;
      const got = await servedSha256(e.address, e.port, sni);
      if (got !== sha256) wrong.push(`${e.address}:${e.port} ${got.slice(0, 40)}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, endpoints.length) }, worker));
  return { checked: endpoints.length, wrong };
}
