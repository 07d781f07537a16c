import { connect as netConnect } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { type ProbeTarget } from './types.js';

const MAX_BYTES = 64;

/** Bytes as readable text: printable ASCII kept, CR/LF as \r \n, the rest as \xNN. */
export function printable(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) {
    if (b === 0x0d) out += '\\r';
    else if (b === 0x0a) out += '\\n';
    else if (b >= 0x20 && b < 0x7f && b !== 0x5c) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return out;
}

// Once a port turned out not to speak TLS, one more connection sends the same ClientHello
// through a tap that keeps the first bytes the peer answers with (`HTTP/1.1 400 ...`): the peer's
// own words in the report. Only used on that failure, never on the fast path.
export function sniffPeer(
  target: ProbeTarget,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const seen: Buffer[] = [];
    let size = 0;
    const raw = netConnect({ host: target.address, port: target.port });
    const tap = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        raw.write(chunk, cb);
      },
      final(cb) {
        raw.end();
        cb();
      },
    });
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      tls.destroy();
      raw.destroy();
      tap.destroy();
      resolve(size > 0 ? printable(Buffer.concat(seen).subarray(0, MAX_BYTES)) : undefined);
    };
    const timer = setTimeout(done, Math.max(1, timeoutMs));
    signal?.addEventListener('abort', done, { once: true });
    raw.on('data', (chunk: Buffer) => {
      if (size < MAX_BYTES) {
        seen.push(chunk);
        size += chunk.length;
      }
      tap.push(chunk);
    });
    raw.on('end', () => tap.push(null));
    raw.on('error', done);
    raw.on('close', done);
    const tls = tlsConnect({
      socket: tap,
      servername: target.sni ?? undefined,
      rejectUnauthorized: false,
    });
    tls.on('error', done);
  });
}
