// Child daemons of the lab: spawned with their output in a log file, waited for with bounded
// polling, stopped by their own pid only (never by name).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { type Server, type Socket, connect, createServer } from 'node:net';

export interface Daemon {
  readonly pid: number;
  readonly name: string;
  readonly logPath: string;
  exited(): boolean;
  stop(): Promise<void>;
}

const live = new Set<Daemon>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test that forgot stop() must not leave daemons behind.
  process.once('exit', () => {
    for (const d of live) {
      try {
        process.kill(d.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });
}

export function startDaemon(
  name: string,
  file: string,
  args: readonly string[],
  logPath: string,
): Daemon {
  const { child, exited, done } = spawnLogged(file, args, logPath);
  const pid = child.pid ?? -1;
  const daemon: Daemon = {
    pid,
    name,
    logPath,
    exited: done,
    async stop() {
      live.delete(daemon);
      if (done() || pid < 0) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(timer);
    },
  };
  live.add(daemon);
  return daemon;
}

function spawnLogged(
  file: string,
  args: readonly string[],
  logPath: string,
): { child: ChildProcess; exited: Promise<void>; done: () => boolean } {
  installExitHook();
  const fd = openSync(logPath, 'a', 0o600);
  const child = spawn(file, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let finished = false;
  const exited = new Promise<void>((resolve) => {
    const end = (): void => {
      finished = true;
      resolve();
    };
    child.once('exit', end);
    child.once('error', end);
  });
  return { child, exited, done: () => finished };
}

/** The only child of `pid` (Linux /proc), polled for at most `ms`; -1 when none appeared. */
async function onlyChild(pid: number, isDone: () => boolean, ms = 30_000): Promise<number> {
  const deadline = Date.now() + ms;
  for (let i = 0; i < 3_000 && Date.now() < deadline && !isDone(); i++) {
    try {
      const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ');
      if (kids.length === 1 && kids[0] !== '') return Number(kids[0]);
    } catch {
      // Not there yet or already gone: the loop's bounds decide.
    }
    await sleep(10);
  }
  return -1;
}

/**
 * A daemon started through a launcher that forks it as its only child (`unshare --fork`,
 * `nsenter --pid`: namespaces). `pid` is the daemon's own (root namespace) pid, the one to signal:
 * the launchers do not pass SIGTERM on; the launcher exits when the daemon does.
 */
export async function startDaemonInside(
  name: string,
  argv: readonly string[],
  logPath: string,
  forkWithinMs = 30_000,
): Promise<Daemon> {
  const { child, exited, done } = spawnLogged(argv[0] ?? '', argv.slice(1), logPath);
  const launcher = child.pid ?? -1;
  const pid = launcher < 0 ? -1 : await onlyChild(launcher, done, forkWithinMs);
  // Without the daemon's own pid everything after would go wrong quietly: a namespaced host's
  // "init" would be the launcher, which lives in the parent namespaces, so its services would be
  // started there too (a reload from inside the host could not signal them).
  if (pid < 0 && launcher > 0 && !done()) {
    try {
      process.kill(launcher, 'SIGKILL');
    } catch {
      // Already gone.
    }
    throw new Error(`${name}: its launcher (pid ${launcher}) forked no daemon within ${forkWithinMs} ms`);
  }
  const kill = (signal: NodeJS.Signals): void => {
    for (const p of [pid, launcher]) {
      if (p <= 0 || (signal === 'SIGTERM' && p === launcher && pid > 0)) continue;
      try {
        process.kill(p, signal);
      } catch {
        // Already gone.
      }
    }
  };
  const daemon: Daemon = {
    pid: pid > 0 ? pid : launcher,
    name,
    logPath,
    exited: done,
    async stop() {
      live.delete(daemon);
      if (done() || launcher < 0) return;
      kill('SIGTERM');
      const timer = setTimeout(() => kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(timer);
    },
  };
  // The exit hook kills daemon.pid, the daemon itself: killing the launcher would leave it running.
  live.add(daemon);
  return daemon;
}

export function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Whether a TCP connection to address:port is accepted (and, with `banner`, what it says first). */
function probe(address: string, port: number, banner: string | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: address, port });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.once('error', () => done(false));
    sock.once('connect', () => {
      if (banner === undefined) done(true);
    });
    sock.once('data', (d: Buffer) => done(banner !== undefined && d.toString().startsWith(banner)));
  });
}

/** Polls until the port answers; fails with the daemon's log when it does not within `ms`. */
export async function waitForPort(
  daemon: Daemon,
  address: string,
  port: number,
  opts: { banner?: string; ms?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.ms ?? 5_000);
  for (let i = 0; i < 500 && Date.now() < deadline; i++) {
    if (daemon.exited()) break;
    if (await probe(address, port, opts.banner)) return;
    await sleep(20);
  }
  throw new Error(
    `lab: ${daemon.name} did not answer on ${address}:${port}.\n${readLog(daemon.logPath).slice(-2000)}`,
  );
}

// Addresses of namespaced lab hosts, with the next port to hand out: they cannot be bound here
// (they live in another network namespace), and there every port is free but those handed out.
const namespaced = new Map<string, number>();

export function setNamespacedAddress(address: string, on: boolean): void {
  if (on) namespaced.set(address, 20_000);
  else namespaced.delete(address);
}

/** A free TCP port on `address`, found by binding port 0 and closing it again. */
export function freePort(address = '127.0.0.1'): Promise<number> {
  const next = namespaced.get(address);
  if (next !== undefined) {
    namespaced.set(address, next + 1);
    return Promise.resolve(next);
  }
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, address, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether any process's command line matches `pattern` (pgrep -f): to prove none was left. */
export function running(pattern: string): boolean {
  try {
    execFileSync('pgrep', ['-f', pattern]);
    return true;
  } catch {
    return false;
  }
}

/**
 * A TCP server that accepts and then says nothing (every TLS handshake to it times out), or with
 * `hangUp`, closes each connection as soon as the first bytes arrive.
 */
export async function startSilentServer(
  address: string,
  options: { hangUp?: boolean } = {},
): Promise<{ port: number; stop(): Promise<void> }> {
  const held = new Set<Socket>();
  const srv: Server = createServer((s) => {
    held.add(s);
    s.on('error', () => undefined);
    s.on('close', () => held.delete(s));
    if (options.hangUp === true) s.once('data', () => s.destroy());
  });
  await new Promise<void>((resolve) => srv.listen(0, address, resolve));
  const { port } = srv.address() as { port: number };
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of held) s.destroy();
        srv.close(() => resolve());
      }),
  };
}

/**
 * Starts a server daemon and waits until every endpoint answers; on failure stops it (and
 * removes `removeOnStop`) before throwing. `stop` does the same later.
 */
export async function startServing(o: {
  readonly name: string;
  readonly file: string;
  readonly args: readonly string[];
  readonly logPath: string;
  readonly endpoints: readonly { readonly address: string; readonly port: number }[];
  readonly removeOnStop?: string;
  /** argv that runs the daemon inside a namespaced lab host (enterArgv), forking it. */
  readonly enter?: readonly string[];
}): Promise<{ daemon: Daemon; stop: () => Promise<void> }> {
  const daemon =
    o.enter === undefined
      ? startDaemon(o.name, o.file, o.args, o.logPath)
      : await startDaemonInside(o.name, [...o.enter, o.file, ...o.args], o.logPath);
  const stop = async (): Promise<void> => {
    await daemon.stop();
    if (o.removeOnStop !== undefined) rmSync(o.removeOnStop, { recursive: true, force: true });
  };
  try {
    for (const e of o.endpoints) await waitForPort(daemon, e.address, e.port);
  } catch (error) {
    await stop();
    throw error;
  }
  return { daemon, stop };
}
