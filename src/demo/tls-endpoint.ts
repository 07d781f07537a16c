// A demo TLS endpoint: serves the certificate and key found at the binding's certPath/keyPath,
// and loads them again when the binding's reload command touches its marker file, the way a
// daemon reloads on `systemctl reload`. Until then it keeps serving what it loaded last, which
// is exactly how a forgotten reload looks on the wire.
import { readFileSync, statSync } from 'node:fs';
import { type AddressInfo, type Socket } from 'node:net';
import { createSecureContext, createServer, type Server } from 'node:tls';

export interface TlsEndpointOptions {
  readonly certPath: string;
  readonly keyPath: string;
  /** The file whose modification means "reload now". */
  readonly reloadMarker: string;
  readonly address?: string;
}

export interface TlsEndpoint {
  readonly port: number;
  readonly address: string;
  /** How many reloads were applied. */
  readonly reloads: () => number;
  /** Polls the marker once; the lab calls it on its timer. */
  poll(): void;
  close(timeoutMs?: number): Promise<void>;
}

const mtimeOf = (path: string): number | undefined => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
};

export async function startTlsEndpoint(o: TlsEndpointOptions): Promise<TlsEndpoint> {
  const load = () => ({ cert: readFileSync(o.certPath), key: readFileSync(o.keyPath) });
  const server: Server = createServer(load());
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => undefined);
  const address = o.address ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let seen = mtimeOf(o.reloadMarker);
  let reloads = 0;
  return {
    port: (server.address() as AddressInfo).port,
    address,
    reloads: () => reloads,
    poll() {
      const now = mtimeOf(o.reloadMarker);
      if (now === undefined || now === seen) return;
      seen = now;
      try {
        const material = load();
        // Checked first: a certificate that does not match its key must not replace a good one.
        createSecureContext(material);
        server.setSecureContext(material);
        reloads++;
      } catch {
        // Like a daemon whose reload fails: it keeps serving what it had.
      }
    },
    async close(timeoutMs = 2_000) {
      let timer: NodeJS.Timeout | undefined;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.end();
      await Promise.race([
        closed,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      for (const s of sockets) s.destroy();
    },
  };
}
