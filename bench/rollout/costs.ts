// What a run cost each host, counted the same way for every tool from the hosts' side: the
// sshds' own logs (connections authenticated, sessions started: one per remote command) and,
// when the lab runs behind relays (test/lab/relay.ts), the traffic the relays saw (TCP
// connections per port, bytes, and request/response turns).

/** One host's sshd log, read from where the previous mark left it. */
export interface LogCursor {
  readonly read: () => string;
}

export interface SshdCounts {
  readonly connections: number;
  readonly commands: number;
}

/**
 * Counts in an sshd log excerpt (LogLevel VERBOSE or above): "Accepted publickey" once per
 * authenticated connection, "Starting session:" once per session (a command, a shell or a
 * subsystem such as sftp).
 */
export function countSshd(log: string): SshdCounts {
  let connections = 0;
  let commands = 0;
  for (const line of log.split('\n')) {
    if (line.startsWith('Accepted publickey for ')) connections++;
    else if (line.startsWith('Starting session: ')) commands++;
  }
  return { connections, commands };
}

/** A log that grows: each `read()` returns what was written after the previous one (or the start). */
export function logCursor(readLog: () => string): LogCursor {
  let offset = readLog().length;
  return {
    read: () => {
      const all = readLog();
      const slice = all.slice(offset);
      offset = all.length;
      return slice;
    },
  };
}

/** What the relays saw during one run, summed over the hosts. */
export interface TrafficCounts {
  /** TCP connections to the hosts' SSH ports. */
  readonly sshConnections: number;
  /** TCP connections to the hosts' TLS ports (each a handshake, as every tool's client does one). */
  readonly tlsConnections: number;
  /** Bytes both ways, every port. */
  readonly bytes: number;
  /** Request/response turns on every connection (a lower bound of the round trips). */
  readonly turns: number;
}

export interface HostCosts {
  readonly hosts: number;
  readonly ports: number;
  readonly sshd: SshdCounts;
  readonly traffic?: TrafficCounts;
  readonly hostCpuS: number;
  /** Processes the hosts started (namespaced hosts only). */
  readonly forks?: number;
}

const per = (n: number, d: number, digits = 1): string => (d === 0 ? '?' : (n / d).toFixed(digits));

/** One line: the costs per host (and TLS connections per port). */
export function formatCosts(c: HostCosts): string {
  const parts = [
    `per host: CPU ${per(c.hostCpuS, c.hosts, 2)} s`,
    ...(c.forks !== undefined ? [`processes ${per(c.forks, c.hosts, 0)}`] : []),
    `ssh conns ${per(c.sshd.connections, c.hosts)}`,
    `commands ${per(c.sshd.commands, c.hosts)}`,
  ];
  if (c.traffic !== undefined) {
    const t = c.traffic;
    parts.push(
      `round trips ${per(t.turns, c.hosts)}`,
      `kB ${per(t.bytes / 1024, c.hosts)}`,
      `TLS conns/port ${per(t.tlsConnections, c.hosts * c.ports)}`,
    );
  }
  return parts.join('  ');
}

/** The counts between two readings (undefined without relays). */
export function since(
  before: TrafficCounts | undefined,
  after: TrafficCounts | undefined,
): TrafficCounts | undefined {
  if (before === undefined || after === undefined) return undefined;
  return {
    sshConnections: after.sshConnections - before.sshConnections,
    tlsConnections: after.tlsConnections - before.tlsConnections,
    bytes: after.bytes - before.bytes,
    turns: after.turns - before.turns,
  };
}
