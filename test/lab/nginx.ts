// nginx as our child in the foreground, everything (config, pid file, logs, temp folders) under
// its prefix folder, stopped by its own pid and reloadable exactly as a playbook would:
// `nginx <args> -s reload`. One function for every test: a lab host's TLS ports, the playbook
// tests' single port, and the probe tests' SNI, plain-HTTP and handshake-rejecting servers.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLog, startServing } from './procs.js';

export const NGINX = '/usr/sbin/nginx';

export interface CertFiles {
  readonly certPath: string;
  readonly keyPath: string;
}

export interface NginxServer {
  readonly address: string;
  readonly port: number;
  /** Certificate (with its chain) and key; omit both for a plain-HTTP listener. */
  readonly cert?: string;
  readonly key?: string;
  readonly serverNames?: readonly string[];
  readonly defaultServer?: boolean;
  /** Send an unrecognized_name alert instead of a certificate (nginx `ssl_reject_handshake`). */
  readonly rejectHandshake?: boolean;
  /** What `GET /` answers; `ok` by default. */
  readonly body?: string;
}

export interface NginxOptions {
  /** The prefix folder; a new temporary one, removed on stop, when absent. */
  readonly dir?: string;
  readonly servers: readonly NginxServer[];
  readonly workers?: number;
  readonly workerConnections?: number;
  /** true: a shared session cache and tickets; false: neither; absent: nginx's own defaults. */
  readonly sessionCache?: boolean;
  /** Runs nginx (and its reload) inside a namespaced lab host: enterArgv of its init. */
  readonly enter?: readonly string[];
}

export interface Nginx {
  readonly pid: number;
  readonly prefix: string;
  readonly configPath: string;
  readonly pidPath: string;
  /** What every nginx command for this instance takes (-p, -e, -c): a playbook's `nginxArgs`. */
  readonly args: readonly string[];
  /** sh command lines a playbook would run to check the config and to reload it. */
  readonly testCommand: string;
  readonly reloadCommand: string;
  log(): string;
  /** `nginx -s reload`: rereads the configuration and the certificates. */
  reload(): void;
  stop(): Promise<void>;
}

function serverBlock(s: NginxServer): string {
  const tls = s.cert !== undefined || s.rejectHandshake === true;
  const lines = [
    `listen ${s.address}:${s.port}${tls ? ' ssl' : ''}${s.defaultServer ? ' default_server' : ''};`,
  ];
  if (s.serverNames) lines.push(`server_name ${s.serverNames.join(' ')};`);
  if (s.cert !== undefined && s.key !== undefined) {
    lines.push(`ssl_certificate ${s.cert};`, `ssl_certificate_key ${s.key};`);
  }
  if (s.rejectHandshake) lines.push('ssl_reject_handshake on;');
  lines.push(`location / { return 200 "${s.body ?? 'ok'}\\n"; }`);
  return `  server {\n    ${lines.join('\n    ')}\n  }`;
}

function sessionLines(sessionCache: boolean | undefined): string[] {
  if (sessionCache === undefined) return [];
  return sessionCache
    ? ['  ssl_session_cache shared:certroll:1m; ssl_session_tickets on;']
    : ['  ssl_session_cache off; ssl_session_tickets off;'];
}

export function nginxConfig(prefix: string, o: NginxOptions): string {
  const tmp = join(prefix, 'tmp');
  return [
    'user root;',
    `worker_processes ${o.workers ?? 1};`,
    `pid ${join(prefix, 'nginx.pid')};`,
    `error_log ${join(prefix, 'error.log')} warn;`,
    `events { worker_connections ${o.workerConnections ?? 256}; }`,
    'http {',
    '  access_log off;',
    '  ssl_protocols TLSv1.2 TLSv1.3;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
      (t) => `  ${t}_temp_path ${join(tmp, t)};`,
    ),
    ...sessionLines(o.sessionCache),
    ...o.servers.map(serverBlock),
    '}',
    '',
  ].join('\n');
}

export async function startNginx(o: NginxOptions): Promise<Nginx> {
  const prefix = o.dir ?? mkdtempSync(join(tmpdir(), 'certroll-nginx-'));
  mkdirSync(join(prefix, 'tmp'), { recursive: true });
  const configPath = join(prefix, 'nginx.conf');
  const errorLog = join(prefix, 'error.log');
  writeFileSync(configPath, nginxConfig(prefix, o));
  const args = ['-p', prefix, '-e', errorLog, '-c', configPath];
  const { daemon, stop } = await startServing({
    name: `nginx ${prefix}`,
    file: NGINX,
    args: [...args, '-g', 'daemon off;'],
    logPath: join(prefix, 'nginx.out'),
    endpoints: o.servers,
    ...(o.dir === undefined ? { removeOnStop: prefix } : {}),
    ...(o.enter === undefined ? {} : { enter: o.enter }),
  });
  // Inside a PID namespace the pid file holds the namespace's pid: signal it from in there too.
  const [run = NGINX, ...runArgs] = [...(o.enter ?? []), NGINX, ...args, '-s', 'reload'];
  const base = [NGINX, ...args].join(' ');
  return {
    pid: daemon.pid,
    prefix,
    configPath,
    pidPath: join(prefix, 'nginx.pid'),
    args,
    testCommand: `${base} -t`,
    reloadCommand: `${base} -s reload`,
    log: () => `${readLog(daemon.logPath)}\n${readLog(errorLog)}`.trim().slice(-4000),
    reload: () => {
      execFileSync(run, runArgs, { stdio: 'pipe' });
    },
    stop,
  };
}

/** What a lab host's web server is: its ports and the certificate files its config points at. */
export interface LabService {
  readonly kind: 'nginx' | 'haproxy';
  readonly ports: readonly number[];
  /** Folder of this service's config, certificates, pid file and logs. */
  readonly prefix: string;
  readonly configPath: string;
  /** The certificate (nginx: cert; haproxy: cert+key PEM) and key the config points at. */
  readonly certPath: string;
  readonly keyPath: string;
  readonly pidPath: string;
  readonly testCommand: string;
  readonly reloadCommand: string;
  readonly pid: number;
  reload(): void;
  stop(): Promise<void>;
}

/** A lab host's web server: its folder, its address, its ports and the certificate to serve. */
export interface LabServiceOptions {
  readonly dir: string;
  readonly address: string;
  readonly ports: readonly number[];
  readonly cert: CertFiles;
  /** Inside a namespaced lab host: enterArgv of its init. */
  readonly enter?: readonly string[];
}

/** Where a lab service keeps its own copy of the certificate (`certs/` under its folder). */
export function certFilesIn(dir: string, certName: string): CertFiles {
  mkdirSync(join(dir, 'certs'), { recursive: true, mode: 0o700 });
  return { certPath: join(dir, 'certs', certName), keyPath: join(dir, 'certs', 'server.key') };
}

/** nginx serving copies of `cert` on every port of `address`, with its prefix in `dir`. */
export async function startLabNginx(opts: LabServiceOptions): Promise<LabService> {
  const { certPath, keyPath } = certFilesIn(opts.dir, 'server.crt');
  copyFileSync(opts.cert.certPath, certPath);
  copyFileSync(opts.cert.keyPath, keyPath);
  const nginx = await startNginx({
    dir: opts.dir,
    ...(opts.enter === undefined ? {} : { enter: opts.enter }),
    workerConnections: 64,
    servers: opts.ports.map((port) =>
      tlsServer(
        opts.address,
        port,
        { certPath, keyPath },
        { body: `nginx ${opts.address}:${port}` },
      ),
    ),
  });
  return { kind: 'nginx', ports: opts.ports, certPath, keyPath, ...nginx };
}

/** A TLS server of `cert` on address:port, answering any name unless `serverNames` says. */
export function tlsServer(
  address: string,
  port: number,
  cert: CertFiles,
  more: Partial<NginxServer> = { defaultServer: true },
): NginxServer {
  return { address, port, cert: cert.certPath, key: cert.keyPath, ...more };
}
