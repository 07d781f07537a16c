// nginx serving TLS on several ports of one lab host, everything under the host's folder, run in
// the foreground as our child and reloadable exactly as a playbook would: `nginx -s reload`.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, waitForPort, type Daemon } from './procs.js';

export const NGINX = '/usr/sbin/nginx';

export interface CertFiles {
  readonly certPath: string;
  readonly keyPath: string;
}

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
  /** sh command lines a playbook would run to check the config and to reload it. */
  readonly testCommand: string;
  readonly reloadCommand: string;
  readonly pid: number;
  reload(): void;
  stop(): Promise<void>;
}

export async function startNginx(opts: {
  readonly dir: string;
  readonly address: string;
  readonly ports: readonly number[];
  readonly cert: CertFiles;
}): Promise<LabService> {
  const prefix = opts.dir;
  mkdirSync(join(prefix, 'certs'), { recursive: true, mode: 0o700 });
  mkdirSync(join(prefix, 'tmp'), { recursive: true });
  const certPath = join(prefix, 'certs', 'server.crt');
  const keyPath = join(prefix, 'certs', 'server.key');
  copyFileSync(opts.cert.certPath, certPath);
  copyFileSync(opts.cert.keyPath, keyPath);
  const configPath = join(prefix, 'nginx.conf');
  const pidPath = join(prefix, 'nginx.pid');
  const errorLog = join(prefix, 'error.log');
  const tmp = join(prefix, 'tmp');
  const servers = opts.ports.map((port) =>
    [
      '  server {',
      `    listen ${opts.address}:${port} ssl;`,
      `    ssl_certificate ${certPath};`,
      `    ssl_certificate_key ${keyPath};`,
      `    location / { return 200 "nginx ${opts.address}:${port}\\n"; }`,
      '  }',
    ].join('\n'),
  );
  writeFileSync(
    configPath,
    [
      'user root;',
      'worker_processes 1;',
      `pid ${pidPath};`,
      `error_log ${errorLog} warn;`,
      'events { worker_connections 64; }',
      'http {',
      '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
        (t) => `  ${t}_temp_path ${join(tmp, t)};`,
      ),
      ...servers,
      '}',
      '',
    ].join('\n'),
  );
  const base = `${NGINX} -p ${prefix} -e ${errorLog} -c ${configPath}`;
  const daemon: Daemon = startDaemon(
    `nginx ${opts.address}`,
    NGINX,
    ['-p', prefix, '-e', errorLog, '-c', configPath, '-g', 'daemon off;'],
    join(prefix, 'nginx.out'),
  );
  for (const port of opts.ports) await waitForPort(daemon, opts.address, port);
  return {
    kind: 'nginx',
    ports: opts.ports,
    prefix,
    configPath,
    certPath,
    keyPath,
    pidPath,
    testCommand: `${base} -t`,
    reloadCommand: `${base} -s reload`,
    pid: daemon.pid,
    reload: () => {
      execFileSync(NGINX, ['-p', prefix, '-e', errorLog, '-c', configPath, '-s', 'reload'], {
        stdio: 'pipe',
      });
    },
    stop: () => daemon.stop(),
  };
}
