// Real TLS servers for integration tests: nginx and haproxy as child processes on 127.0.0.x high
// ports, each in its own temporary prefix, stopped by pid. Plus two tiny Node servers for cases
// the daemons cannot produce on demand (a port that never answers the handshake).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A free TCP port on `address`, found by binding port 0 and closing it again. */
export async function freePort(address = '127.0.0.1'): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, address, resolve);
  });
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

function canConnect(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s: Socket = connect({ host: address, port });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Waits (at most `timeoutMs`) until every endpoint accepts TCP connections. */
export async function waitForPorts(
  endpoints: readonly { address: string; port: number }[],
  child?: ChildProcess,
  timeoutMs = 10_000,
  log?: () => string,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (const e of endpoints) {
    while (!(await canConnect(e.address, e.port))) {
      if (child !== undefined && child.exitCode !== null) {
        throw new Error(
          `server exited (${child.exitCode}) before ${e.address}:${e.port} opened: ${log?.() ?? ''}`,
        );
      }
      if (Date.now() > until)
        throw new Error(`${e.address}:${e.port} did not open: ${log?.() ?? ''}`);
      await sleep(25);
    }
  }
}

export interface Daemon {
  readonly pid: number;
  readonly dir: string;
  readonly child: ChildProcess;
  readonly log: () => string;
  readonly stop: () => Promise<void>;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const t = sleep(5000).then(() => 'late');
  if ((await Promise.race([exited.then(() => 'ok'), t])) === 'late' && child.exitCode === null) {
    process.kill(child.pid, 'SIGKILL');
    await exited;
  }
}

function startDaemon(cmd: string, args: string[], dir: string, logFile: string): Daemon {
  let output = '';
  const child = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  if (child.pid === undefined) throw new Error(`${cmd} did not start`);
  const pid = child.pid;
  const log = (): string => {
    let file = '';
    try {
      file = readFileSync(logFile, 'utf8');
    } catch {
      // not written yet
    }
    return `${output}\n${file}`.trim().slice(-4000);
  };
  return {
    pid,
    dir,
    child,
    log,
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface NginxServer {
  readonly address: string;
  readonly port: number;
  /** Omit for a plain-HTTP listener. */
  readonly cert?: string;
  readonly key?: string;
  readonly serverNames?: readonly string[];
  readonly defaultServer?: boolean;
  /** Send an unrecognized_name alert instead of a certificate (nginx `ssl_reject_handshake`). */
  readonly rejectHandshake?: boolean;
}

export interface NginxOptions {
  readonly servers: readonly NginxServer[];
  readonly workers?: number;
  readonly sessionCache?: boolean;
  readonly workerConnections?: number;
}

export function nginxConfig(dir: string, o: NginxOptions): string {
  const blocks = o.servers.map((s) => {
    const tls = s.cert !== undefined || s.rejectHandshake === true;
    const listen = `listen ${s.address}:${s.port}${tls ? ' ssl' : ''}${s.defaultServer ? ' default_server' : ''};`;
    const lines = [listen];
    if (s.serverNames) lines.push(`server_name ${s.serverNames.join(' ')};`);
    if (s.cert !== undefined && s.key !== undefined) {
      lines.push(`ssl_certificate ${s.cert};`, `ssl_certificate_key ${s.key};`);
    }
    if (s.rejectHandshake) lines.push('ssl_reject_handshake on;');
    lines.push('location / { return 200 "ok\\n"; }');
    return `  server {\n    ${lines.join('\n    ')}\n  }`;
  });
  return [
    ...(process.getuid?.() === 0 ? ['user root;'] : []),
    `worker_processes ${o.workers ?? 1};`,
    `events { worker_connections ${o.workerConnections ?? 256}; }`,
    'http {',
    '  access_log off;',
    '  ssl_protocols TLSv1.2 TLSv1.3;',
    `  error_log ${join(dir, 'error.log')} warn;`,
    `  client_body_temp_path ${join(dir, 'tmp')};`,
    o.sessionCache === true
      ? '  ssl_session_cache shared:certroll:1m; ssl_session_tickets on;'
      : '  ssl_session_cache off; ssl_session_tickets off;',
    ...blocks,
    '}',
    '',
  ].join('\n');
}

export interface Nginx extends Daemon {
  readonly confPath: string;
  /** SIGHUP: nginx rereads its configuration and certificates. */
  readonly reload: () => void;
}

export async function startNginx(o: NginxOptions): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'certroll-nginx-'));
  const confPath = join(dir, 'nginx.conf');
  writeFileSync(confPath, nginxConfig(dir, o));
  const d = startDaemon(
    '/usr/sbin/nginx',
    [
      '-p',
      dir,
      '-e',
      join(dir, 'error.log'),
      '-c',
      confPath,
      '-g',
      `daemon off; pid ${join(dir, 'nginx.pid')};`,
    ],
    dir,
    join(dir, 'error.log'),
  );
  try {
    await waitForPorts(o.servers, d.child, 10_000, d.log);
  } catch (e) {
    await d.stop();
    throw e;
  }
  return { ...d, confPath, reload: () => process.kill(d.pid, 'SIGHUP') };
}

export interface HaproxyOptions {
  readonly frontend: { readonly address: string; readonly port: number };
  readonly backends: readonly {
    readonly name: string;
    readonly address: string;
    readonly port: number;
  }[];
}

export async function startHaproxy(o: HaproxyOptions): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), 'certroll-haproxy-'));
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    [
      'global',
      '  maxconn 512',
      'defaults',
      '  mode tcp',
      '  timeout connect 2s',
      '  timeout client 10s',
      '  timeout server 10s',
      'frontend vip',
      `  bind ${o.frontend.address}:${o.frontend.port}`,
      '  default_backend pool',
      'backend pool',
      '  balance roundrobin',
      ...o.backends.map((b) => `  server ${b.name} ${b.address}:${b.port}`),
      '',
    ].join('\n'),
  );
  const d = startDaemon('/usr/sbin/haproxy', ['-f', cfg, '-db'], dir, join(dir, 'none'));
  try {
    await waitForPorts([o.frontend], d.child, 10_000, d.log);
  } catch (e) {
    await d.stop();
    throw e;
  }
  return d;
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
