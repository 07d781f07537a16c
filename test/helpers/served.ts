// What an endpoint settles on serving. Right after an nginx reload, old and new workers both
// answer for a moment, so one handshake can see either; a test asking "what is served now"
// waits (bounded) until `streak` handshakes in a row agree, and returns that answer. With
// `until`, it keeps waiting (bounded) for that answer to settle, for a reload just signalled.
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
