// A TCP relay that puts a wide-area network between a test and a lab host: it listens on its own
// loopback address and forwards each port it is given to the host's address, same port (SSH and
// TLS alike), delaying every chunk by a one-way latency (plus jitter, never reordering bytes),
// capping the bandwidth, and cutting chosen connections mid-handshake. It also counts what a tool
// costs the host: connections, bytes each way, and "turns" (request/response round trips).
// This kernel has no netem, and a relay on the path sees every tool (certroll, ssh, Ansible) alike.
import { type Server, type Socket, connect, createServer } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface RelayShaping {
  /** Delay added in each direction, in ms: a round trip costs 2 x oneWayMs more. */
  readonly oneWayMs: number;
  /** Uniform +/- jitter on each chunk's delay, in ms; bytes are never reordered. */
  readonly jitterMs?: number;
  /** Bytes per second, per direction, per connection; unlimited when absent. */
  readonly bandwidth?: number;
  /** Fraction (0..1) of connections cut right after their first server->client chunk. */
  readonly cut?: number;
  /**
   * 1-based ordinals of the connections this relay cuts the same way, counted in accept order
   * over all of this relay's ports (per relay, not across relays: one host's order is
   * deterministic where the order across hosts running in parallel is not).
   */
  readonly cutConnections?: readonly number[];
  /**
   * Seed of the PRNGs behind `cut` (one draw per connection, in accept order) and jitter: the
   * same seed, the same connections cut, whatever the timing.
   */
  readonly seed?: number;
}

export interface RelayOptions extends RelayShaping {
  /** Where the relay listens (a loopback address of its own). */
  readonly address: string;
  /** Where it forwards to: the real host's address. */
  readonly target: string;
  readonly ports?: readonly number[];
}

export interface RelayCounters {
  /** Connections accepted. */
  connections: number;
  /** Connections the relay cut mid-handshake. */
  cut: number;
  /** Bytes client->server ("up") and server->client ("down") forwarded. */
  bytesUp: number;
  bytesDown: number;
  /**
   * Times data flowed client->server after server->client on one connection, +1 for the first
   * client->server chunk: a lower bound on the request/response round trips.
   */
  turns: number;
}

export interface RelayStats extends RelayCounters {
  readonly ports: Readonly<Record<number, RelayCounters>>;
}

/** One accepted connection, in accept order. */
export interface RelayConnection {
  readonly ordinal: number;
  readonly port: number;
  readonly cut: boolean;
}

export interface Relay {
  readonly address: string;
  readonly target: string;
  /** Listens on `port` too (a no-op for a port already relayed). */
  addPort(port: number): Promise<void>;
  ports(): number[];
  stats(): RelayStats;
  connections(): readonly RelayConnection[];
  /** Closes the listeners and every connection; leaves no timer behind. */
  stop(): Promise<void>;
}

export function zeroCounters(): RelayCounters {
  return { connections: 0, cut: 0, bytesUp: 0, bytesDown: 0, turns: 0 };
}

export function addCounters(into: RelayCounters, c: RelayCounters): RelayCounters {
  into.connections += c.connections;
  into.cut += c.cut;
  into.bytesUp += c.bytesUp;
  into.bytesDown += c.bytesDown;
  into.turns += c.turns;
  return into;
}

/** mulberry32: a small seeded PRNG, numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function validate(o: RelayOptions): void {
  const bad = (field: string, value: unknown, hint: string): Error =>
    new Error(`relay: ${field} ${JSON.stringify(value)} is invalid: ${hint}`);
  if (!Number.isFinite(o.oneWayMs) || o.oneWayMs < 0 || o.oneWayMs > 10_000)
    throw bad('oneWayMs', o.oneWayMs, 'give 0 to 10000 ms');
  const jitter = o.jitterMs ?? 0;
  if (!Number.isFinite(jitter) || jitter < 0 || jitter > o.oneWayMs)
    throw bad('jitterMs', o.jitterMs, 'give 0 to oneWayMs (a delay cannot go below zero)');
  if (o.bandwidth !== undefined && !(o.bandwidth >= 1024))
    throw bad('bandwidth', o.bandwidth, 'give bytes per second, at least 1024');
  if (o.cut !== undefined && !(o.cut >= 0 && o.cut <= 1))
    throw bad('cut', o.cut, 'give a fraction from 0 to 1');
  for (const n of o.cutConnections ?? [])
    if (!Number.isInteger(n) || n < 1) throw bad('cutConnections', n, 'give 1-based ordinals');
}

// Above this many queued bytes in one direction the relay stops reading (TCP backpressure), so a
// capped link does not buffer a whole transfer in memory; it reads again below LOW_WATER.
const HIGH_WATER = 256 * 1024;
const LOW_WATER = 64 * 1024;

interface Item {
  readonly at: number;
  readonly chunk?: Buffer;
}

/**
 * One direction of one connection: chunks queued with their delivery time, delivered in order by
 * at most one timer. Delivery = max(arrival + delay + jitter, previous delivery), after the
 * chunk's serialisation time on a capped link.
 */
class Pipe {
  private readonly queue: Item[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastAt = 0;
  private linkFreeAt = 0;
  private waitingDrain = false;
  ended = false;

  private readonly from: Socket;
  private readonly to: Socket;
  private readonly delay: () => number;
  private readonly bandwidth: number | undefined;
  private readonly delivered: (chunk: Buffer) => void;

  // No parameter properties: the benchmarks load the lab with Node's type stripping.
  constructor(
    from: Socket,
    to: Socket,
    delay: () => number,
    bandwidth: number | undefined,
    delivered: (chunk: Buffer) => void,
  ) {
    this.from = from;
    this.to = to;
    this.delay = delay;
    this.bandwidth = bandwidth;
    this.delivered = delivered;
    to.on('drain', () => {
      this.waitingDrain = false;
      this.flush();
    });
  }

  push(chunk: Buffer | undefined): void {
    const now = performance.now();
    let sent = now;
    if (chunk !== undefined && this.bandwidth !== undefined) {
      sent = Math.max(now, this.linkFreeAt) + (chunk.length / this.bandwidth) * 1000;
      this.linkFreeAt = sent;
    }
    this.lastAt = Math.max(sent + this.delay(), this.lastAt);
    this.queue.push(chunk === undefined ? { at: this.lastAt } : { at: this.lastAt, chunk });
    if (chunk !== undefined) {
      this.queued += chunk.length;
      if (this.queued > HIGH_WATER) this.from.pause();
    }
    this.flush();
  }

  private flush(): void {
    if (this.timer !== undefined || this.waitingDrain) return;
    // Bounded: one pass over what is due now; the rest waits for the timer.
    for (let head = this.queue[0]; head !== undefined; head = this.queue[0]) {
      const wait = head.at - performance.now();
      if (wait > 0) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.flush();
        }, Math.ceil(wait));
        this.timer.unref();
        return;
      }
      this.queue.shift();
      if (this.to.destroyed) return;
      if (head.chunk === undefined) {
        this.ended = true;
        this.to.end();
        return;
      }
      this.queued -= head.chunk.length;
      if (this.queued < LOW_WATER) this.from.resume();
      const ok = this.to.write(head.chunk);
      this.delivered(head.chunk);
      if (!ok) {
        this.waitingDrain = true;
        return;
      }
    }
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }
}

export async function startRelay(options: RelayOptions): Promise<Relay> {
  validate(options);
  // Two streams: the cuts drawn per connection stay the same whatever the chunks' count (which
  // TCP's coalescing varies from run to run) took from the jitter's.
  const random = seededRandom(options.seed ?? 1);
  const jitterRandom = seededRandom((options.seed ?? 1) ^ 0x5bd1e995);
  const jitter = options.jitterMs ?? 0;
  const delay = (): number =>
    options.oneWayMs + (jitter > 0 ? (jitterRandom() * 2 - 1) * jitter : 0);
  const forced = new Set(options.cutConnections ?? []);
  const servers = new Map<number, Server>();
  const live = new Set<() => void>();
  const perPort = new Map<number, RelayCounters>();
  const log: RelayConnection[] = [];
  let stopped = false;

  const handle = (client: Socket, port: number): void => {
    const c = perPort.get(port)!;
    const ordinal = log.length + 1;
    // Drawn for every connection, cut or not, so a forced cut leaves later draws unchanged.
    const drawn = random();
    const cut = forced.has(ordinal) || drawn < (options.cut ?? 0);
    log.push({ ordinal, port, cut });
    c.connections++;
    const server = connect({ host: options.target, port, allowHalfOpen: true });
    client.setNoDelay(true);
    server.setNoDelay(true);
    let last: 'up' | 'down' | undefined;
    let cutting = false;
    const kill = (): void => {
      up.stop();
      down.stop();
      client.destroy();
      server.destroy();
      live.delete(kill);
    };
    live.add(kill);
    const up = new Pipe(client, server, delay, options.bandwidth, (b) => (c.bytesUp += b.length));
    const down = new Pipe(server, client, delay, options.bandwidth, (b) => {
      c.bytesDown += b.length;
      if (!cut || cutting) return;
      // Mid-handshake for SSH (the server's banner) and TLS (ServerHello...): cut once it is out.
      cutting = true;
      c.cut++;
      client.pause();
      server.pause();
      client.write(Buffer.alloc(0), kill);
    });
    client.on('data', (b: Buffer) => {
      if (cutting) return;
      if (last !== 'up') c.turns++;
      last = 'up';
      up.push(b);
    });
    server.on('data', (b: Buffer) => {
      if (cutting) return;
      last = 'down';
      down.push(b);
    });
    // A FIN travels like data (after what was sent before it); a reset or an error ends both now.
    client.on('end', () => up.push(undefined));
    server.on('end', () => down.push(undefined));
    const closed = (hadError: boolean): void => {
      if (hadError || (up.ended && down.ended)) kill();
    };
    client.on('close', closed);
    server.on('close', closed);
    client.on('error', kill);
    server.on('error', kill);
  };

  const addPort = async (port: number): Promise<void> => {
    if (stopped) throw new Error(`relay ${options.address}: stopped`);
    if (servers.has(port)) return;
    perPort.set(port, perPort.get(port) ?? zeroCounters());
    const srv = createServer({ allowHalfOpen: true }, (s) => handle(s, port));
    servers.set(port, srv);
    await new Promise<void>((resolve, reject) => {
      srv.once('error', (e) => {
        servers.delete(port);
        reject(
          new Error(
            `relay: cannot listen on ${options.address}:${port} (for ${options.target}:${port}): ${e.message}`,
          ),
        );
      });
      srv.listen(port, options.address, () => resolve());
    });
  };

  const relay: Relay = {
    address: options.address,
    target: options.target,
    addPort,
    ports: () => [...servers.keys()],
    stats: () => {
      const total = zeroCounters();
      const ports: Record<number, RelayCounters> = {};
      for (const [p, c] of perPort) {
        ports[p] = { ...c };
        addCounters(total, c);
      }
      return { ...total, ports };
    },
    connections: () => [...log],
    stop: async () => {
      stopped = true;
      for (const kill of [...live]) kill();
      await Promise.all(
        [...servers.values()].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
      );
      servers.clear();
    },
  };
  try {
    for (const p of options.ports ?? []) await addPort(p);
  } catch (error) {
    await relay.stop();
    throw error;
  }
  return relay;
}
