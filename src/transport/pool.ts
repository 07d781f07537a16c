// One connection per host for a whole command: capture, the coverage gate, the run and the sweep
// each lease the host's transport from the pool instead of opening their own. At most `maxOpen`
// connections stay open (a fleet larger than the open-file limit would end in EMFILE): past it,
// the least-recently-used idle ones are closed, and their leases reconnect on their next
// operation. A lease's close() does nothing; the command closes everything once, in a `finally`,
// with closeAll().
import { CertrollError } from '../errors.js';
import { type Host } from '../inventory/model.js';
import { createTransport } from './factory.js';
import { defaultMaxOpen, readProcessLimits } from './fd-limit.js';
import { type ExecOptions, type ExecResult, type PutFileOptions, type Transport } from './types.js';

export interface TransportPoolOptions {
  /**
   * The most connected transports held at once. Default: half the open-file limit minus 64, or
   * CERTROLL_MAX_CONNECTIONS (see fd-limit.ts).
   */
  readonly maxOpen?: number;
  /** Where CERTROLL_MAX_CONNECTIONS is read for the default (the command's environment). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

interface Entry {
  readonly host: Host;
  /**
   * The current underlying transport; replaced after a failed connect, a lost connection, or when
   * the pool closed it to stay within `maxOpen`.
   */
  transport: Transport;
  /** The connect of `transport` in flight or done; undefined until tried, or after it failed. */
  connecting: Promise<void> | undefined;
  connected: boolean;
  /** Connects, execs, putFiles and removes in flight: the pool never closes it while > 0. */
  inFlight: number;
}

/** What a lease asks of the pool for its entry. */
interface EntryOps {
  connect(signal?: AbortSignal): Promise<void>;
  /** Runs `op` on the entry's transport, connecting it first where the pool closed it. */
  use<T>(signal: AbortSignal | undefined, op: (t: Transport) => Promise<T>): Promise<T>;
}

export class TransportPool {
  readonly maxOpen: number;
  private readonly entries = new Map<string, Entry>();
  /**
   * The connected entries, least recently used first: a use re-inserts its entry, and a Set keeps
   * insertion order, so finding the eviction candidates does not scan the whole fleet.
   */
  private readonly byRecency = new Set<Entry>();
  private readonly retired = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly create: (host: Host) => Transport = (h) => createTransport(h),
    options: TransportPoolOptions = {},
  ) {
    // Read now, not at import: Node raises the soft open-file limit during start-up.
    const maxOpen =
      options.maxOpen ?? defaultMaxOpen(readProcessLimits(), options.env ?? process.env);
    if (!Number.isSafeInteger(maxOpen) || maxOpen < 1) {
      throw new CertrollError(
        'INTERNAL',
        `TransportPool maxOpen must be a positive integer, not ${maxOpen}`,
      );
    }
    this.maxOpen = maxOpen;
  }

  /** The host's shared transport (keyed by host name); pass as `transportFor`. */
  readonly lease = (host: Host): Transport => {
    if (this.closed) throw afterClose(host.name);
    const e = this.entries.get(host.name) ?? this.add(host);
    return lease(e, {
      connect: (signal) => this.track(e, () => this.connect(e, signal)),
      use: (signal, op) => this.use(e, signal, op),
    });
  };

  private add(host: Host): Entry {
    const entry: Entry = {
      host,
      transport: this.create(host),
      connecting: undefined,
      connected: false,
      inFlight: 0,
    };
    this.entries.set(host.name, entry);
    return entry;
  }

  /** Closes every underlying transport once (errors ignored); later leases are refused. */
  async closeAll(): Promise<void> {
    this.closed = true;
    const entries = [...this.entries.values()];
    this.entries.clear();
    this.byRecency.clear();
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

  /** Runs `op` on the entry's transport, reconnecting first where the pool closed it. */
  private async use<T>(
    entry: Entry,
    signal: AbortSignal | undefined,
    op: (t: Transport) => Promise<T>,
  ): Promise<T> {
    try {
      return await this.track(entry, async () => {
        // A reconnect's failure is the operation's error.
        if (!entry.connected) await this.connect(entry, signal);
        return await op(entry.transport);
      });
    } finally {
      // Connections busy when the limit was passed may be closable now. Not so after a connect:
      // the connection it just opened would be the one closed, before its first use.
      this.evictIdle();
    }
  }

  /** Counts `fn` as in flight on the entry (so it is not evicted) and as a use of it. */
  private async track<T>(entry: Entry, fn: () => Promise<T>): Promise<T> {
    entry.inFlight++;
    this.touch(entry);
    try {
      return await fn();
    } finally {
      entry.inFlight--;
      this.touch(entry);
    }
  }

  private connect(entry: Entry, signal: AbortSignal | undefined): Promise<void> {
    if (this.closed) return Promise.reject(afterClose(entry.host.name));
    if (entry.connected && entry.transport.isOpen === false) this.replace(entry);
    if (entry.connecting !== undefined) return entry.connecting;
    const t = entry.transport;
    const connecting = t.connect(signal).then(
      () => {
        if (entry.transport !== t || this.closed) return;
        entry.connected = true;
        this.byRecency.add(entry);
        // This entry is in flight (its caller is tracked), so it is never the one closed.
        this.evictIdle();
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

  /**
   * Closes least-recently-used idle connections until at most `maxOpen` are open. Where every
   * connection is busy the pool stays over the limit until operations finish: closing one with an
   * operation in flight would fail that operation.
   */
  private evictIdle(): void {
    if (this.closed) return;
    let excess = this.byRecency.size - this.maxOpen;
    // Deleting from a Set while iterating it is safe: the loop goes on with the next entry.
    for (const e of this.byRecency) {
      if (excess <= 0) return;
      if (e.inFlight > 0) continue;
      this.replace(e);
      excess--;
    }
  }

  /** Moves a connected entry to the most recently used end. */
  private touch(entry: Entry): void {
    if (this.byRecency.delete(entry)) this.byRecency.add(entry);
  }

  /** Drops the entry's transport (closing it in the background) for a fresh, unconnected one. */
  private replace(entry: Entry): void {
    const closing = closeQuietly(entry.transport);
    this.retired.add(closing);
    // Forget settled closes: with eviction, a long command retires many transports.
    void closing.then(() => this.retired.delete(closing));
    this.byRecency.delete(entry);
    entry.transport = this.create(entry.host);
    entry.connecting = undefined;
    entry.connected = false;
  }
}

function lease(entry: Entry, ops: EntryOps): Transport {
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
    connect: (signal?: AbortSignal) => ops.connect(signal),
    // Options pass through untouched: transports accept more than ExecOptions (`what`, ...).
    exec: (script: string, options?: ExecOptions): Promise<ExecResult> =>
      ops.use(options?.signal, (t) => t.exec(script, options)),
    putFile: (path: string, data: string | Buffer, options: PutFileOptions): Promise<void> =>
      ops.use(options.signal, (t) => t.putFile(path, data, options)),
    remove: (path: string, signal?: AbortSignal): Promise<void> =>
      ops.use(signal, (t) => t.remove(path, signal)),
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
  options?: TransportPoolOptions,
): Promise<T> {
  const pool = new TransportPool(create, options);
  try {
    return await fn(pool);
  } finally {
    await pool.closeAll();
  }
}
