// Types of the net.tcp endpoint simulator (server.mjs) for the TypeScript tests.
export interface NetTcpServer {
  readonly port: number;
  /** What happened, in order: { via, upgrade }, { tls }, { fault }, { error }. */
  readonly events: Record<string, unknown>[];
  close(): Promise<void>;
}
export interface NetTcpServerOptions {
  readonly address?: string;
  readonly port?: number;
  /** The certificate and key (PEM) to serve, read on every handshake. */
  readonly certificate: () => { cert: string; key: string };
}
export function startNetTcpServer(options: NetTcpServerOptions): Promise<NetTcpServer>;
export function instanceCertificate(
  root: string,
  instance: string,
): () => { cert: string; key: string };
export function parsePreamble(
  buf: Buffer,
): { need: true } | { fault: string } | { via: string; upgrade: string; next: number };
