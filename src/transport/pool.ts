// One connection per host for a whole command: capture, the coverage gate, the run and the sweep
// each lease the host's transport from the pool instead of opening their own. A lease's close()
// does nothing; the command closes everything once, in a `finally`, with closeAll().
import { CertrollError } from '../errors.js';
import { type Host } from '../inventory/model.js';
import { createTransport } from './factory.js';
import { type ExecOptions, type ExecResult, type PutFileOptions, type Transport } from './types.js';

interface Entry {
  readonly host: Host;
  /** The current underlying transport; replaced after a failed connect or a lost connection. */
  transport: Transport;
  /** The connect of `transport` in flight or done; undefined until tried, or after it failed. */
  connecting: Promise<void> | undefined;
  connected: boolean;
}

export class TransportPool {
  private readonly entries = new Map<string, Entry>();
  private readonly retired: Promise<void>[] = [];
  private closed = false;

  constructor(private readonly create: (host: Host) => Transport = (h) => createTransport(h)) {}

  /** The host's shared transport (keyed by host name); pass as `transportFor`. */
  readonly lease = (host: Host): Transport => {
    if (this.closed) throw afterClose(host.name);
    let entry = this.entries.get(host.name);
    if (entry === undefined) {
      entry = { host, transport: this.create(host), connecting: undefined, connected: false };
      this.entries.set(host.name, entry);
    }
    return lease(entry, (signal) => this.connect(entry, signal));
  };

  /** Closes every underlying transport once (errors ignored); later leases are refused. */
  async closeAll(): Promise<void> {
    this.closed = true;
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(
      entries.map(async (e) => {
        // A connect still in flight would open a connection after close(): let it settle first.
        await e.connecting?.catch(() => undefined);
        await closeQuietly(e.transport);
      }),
    );
    // Last: a connect failing above retires its transport as it settles.
    await Promise.all(this.retired);
  }

  private connect(entry: Entry, signal: AbortSignal | undefined): Promise<void> {
    if (this.closed) return Promise.reject(afterClose(entry.host.name));
    if (entry.connected && entry.transport.isOpen === false) this.replace(entry);
    if (entry.connecting !== undefined) return entry.connecting;
    const t = entry.transport;
    const connecting = t.connect(signal).then(
      () => {
        if (entry.transport === t) entry.connected = true;
      },
      (error: unknown) => {
        // Not cached: the next connect starts over on a fresh transport.
        if (entry.transport === t) this.replace(entry);
        throw error;
      },
    );
    entry.connecting = connecting;
    return connecting;
  }

  /** Drops the entry's transport (closing it in the background) for a fresh, unconnected one. */
  private replace(entry: Entry): void {
    this.retired.push(closeQuietly(entry.transport));
    entry.transport = this.create(entry.host);
    entry.connecting = undefined;
    entry.connected = false;
  }
}

function lease(entry: Entry, connect: (signal?: AbortSignal) => Promise<void>): Transport {
  return {
    get target() {
      return entry.transport.target;
    },
    get shell() {
      return entry.transport.shell;
    },
    get isOpen() {
      return entry.connected && entry.transport.isOpen !== false;
    },
    connect,
    // Options pass through untouched: transports accept more than ExecOptions (`what`, ...).
    exec: (script: string, options?: ExecOptions): Promise<ExecResult> =>
      entry.transport.exec(script, options),
    putFile: (path: string, data: string | Buffer, options: PutFileOptions): Promise<void> =>
      entry.transport.putFile(path, data, options),
    remove: (path: string, signal?: AbortSignal): Promise<void> =>
      entry.transport.remove(path, signal),
    // The pool owns the connection; closeAll() ends it.
    close: () => Promise.resolve(),
  };
}

function closeQuietly(t: Transport): Promise<void> {
  return t.close().catch(() => undefined);
}

function afterClose(host: string): CertrollError {
  return new CertrollError('INTERNAL', `transport to ${host} requested after the pool closed`);
}

/** Runs `fn` with a fresh pool and closes every connection it opened, whatever happens. */
export async function withTransportPool<T>(
  fn: (pool: TransportPool) => Promise<T>,
  create?: (host: Host) => Transport,
): Promise<T> {
  const pool = new TransportPool(create);
  try {
    return await fn(pool);
  } finally {
    await pool.closeAll();
  }
}
