// haproxy as our child in the foreground (-db), its config, pid file and admin stats socket under
// its own folder, stopped by its own pid. A frontend either terminates TLS itself (a lab host's
// ports, the playbook tests) or balances plain TCP over backends (a pool behind a VIP). With
// masterWorker (-W) it reloads as a playbook would: USR2 to the master named in the pid file.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certFilesIn, type LabService, type LabServiceOptions } from './nginx.js';
import { readLog, startServing } from './procs.js';

export const HAPROXY = '/usr/sbin/haproxy';

export interface HaproxyFrontend {
  readonly address: string;
  readonly port: number;
  /** One PEM with the certificate, its chain and the key: haproxy terminates TLS and answers. */
  readonly crt?: string;
  /** Without `crt`: plain TCP, balanced round-robin over these servers. */
  readonly backends?: readonly {
    readonly name: string;
    readonly address: string;
    readonly port: number;
  }[];
  /** What an HTTP request to a TLS frontend gets; `ok` by default. */
  readonly body?: string;
}

export interface HaproxyOptions {
  /** The folder for config, pid file and socket; a temporary one, removed on stop, when absent. */
  readonly dir?: string;
  readonly frontends: readonly HaproxyFrontend[];
  readonly masterWorker?: boolean;
  /** Runs haproxy inside a namespaced lab host: enterArgv of its init. */
  readonly enter?: readonly string[];
}

export interface Haproxy {
  readonly pid: number;
  readonly prefix: string;
  readonly configPath: string;
  readonly pidPath: string;
  /** Admin stats socket (`set ssl cert`, `show ssl cert` ...). */
  readonly statsSocket: string;
  readonly testCommand: string;
  /** USR2 to the master: only with masterWorker. */
  readonly reloadCommand: string;
  log(): string;
  reload(): void;
  stop(): Promise<void>;
}

function frontendLines(f: HaproxyFrontend): string[] {
  const name = `${f.address}_${f.port}`;
  if (f.crt !== undefined) {
    return [
      `frontend fe_${name}`,
      '  mode http',
      `  bind ${f.address}:${f.port} ssl crt ${f.crt}`,
      `  http-request return status 200 content-type text/plain string "${f.body ?? 'ok'}"`,
    ];
  }
  return [
    `frontend fe_${name}`,
    '  mode tcp',
    `  bind ${f.address}:${f.port}`,
    `  default_backend be_${name}`,
    `backend be_${name}`,
    '  mode tcp',
    '  balance roundrobin',
    ...(f.backends ?? []).map((b) => `  server ${b.name} ${b.address}:${b.port}`),
  ];
}

export function haproxyConfig(prefix: string, o: HaproxyOptions): string {
  return [
    'global',
    '  nbthread 1',
    '  maxconn 512',
    `  stats socket ${join(prefix, 'admin.sock')} mode 600 level admin`,
    'defaults',
    '  timeout connect 2s',
    '  timeout client 10s',
    '  timeout server 10s',
    ...o.frontends.flatMap(frontendLines),
    '',
  ].join('\n');
}

export async function startHaproxy(o: HaproxyOptions): Promise<Haproxy> {
  const prefix = o.dir ?? mkdtempSync(join(tmpdir(), 'certroll-haproxy-'));
  mkdirSync(prefix, { recursive: true });
  const configPath = join(prefix, 'haproxy.cfg');
  const pidPath = join(prefix, 'haproxy.pid');
  const statsSocket = join(prefix, 'admin.sock');
  writeFileSync(configPath, haproxyConfig(prefix, o));
  const { daemon, stop } = await startServing({
    name: `haproxy ${prefix}`,
    file: HAPROXY,
    args: [...(o.masterWorker === true ? ['-W'] : []), '-db', '-f', configPath, '-p', pidPath],
    logPath: join(prefix, 'haproxy.out'),
    endpoints: o.frontends,
    ...(o.dir === undefined ? { removeOnStop: prefix } : {}),
    ...(o.enter === undefined ? {} : { enter: o.enter }),
  });
  return {
    pid: daemon.pid,
    prefix,
    configPath,
    pidPath,
    statsSocket,
    testCommand: `${HAPROXY} -c -q -f ${configPath}`,
    reloadCommand: `kill -USR2 "$(head -n 1 ${pidPath})"`,
    log: () => readLog(daemon.logPath).slice(-4000),
    reload: () => process.kill(daemon.pid, 'SIGUSR2'),
    stop,
  };
}

export interface LabHaproxy extends LabService {
  readonly statsSocket: string;
}

/** haproxy (master-worker) serving `cert` with its key on every port of `address`, in `dir`. */
export async function startLabHaproxy(opts: LabServiceOptions): Promise<LabHaproxy> {
  const { certPath, keyPath } = certFilesIn(opts.dir, 'server.pem');
  const keyPem = readFileSync(opts.cert.keyPath, 'utf8');
  writeFileSync(keyPath, keyPem, { mode: 0o600 });
  writeFileSync(certPath, readFileSync(opts.cert.certPath, 'utf8') + keyPem, { mode: 0o600 });
  const body = (port: number): string => `haproxy ${opts.address}:${port}`;
  const frontends = opts.ports.map((port) => ({
    address: opts.address,
    port,
    crt: certPath,
    body: body(port),
  }));
  const haproxy = await startHaproxy({
    dir: opts.dir,
    masterWorker: true,
    frontends,
    ...(opts.enter === undefined ? {} : { enter: opts.enter }),
  });
  return { kind: 'haproxy', ports: opts.ports, certPath, keyPath, ...haproxy };
}

/** A VIP on address:port balancing TCP round-robin over members on the same port. */
export function startPool(
  vip: string,
  port: number,
  members: readonly { readonly name: string; readonly address: string }[],
): Promise<Haproxy> {
  const backends = members.map((m) => ({ ...m, port }));
  return startHaproxy({ frontends: [{ address: vip, port, backends }] });
}
