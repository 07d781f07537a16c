// haproxy in master-worker mode serving TLS on several ports of one lab host. Reloaded as a
// playbook would: USR2 to the master (pid file), and an admin stats socket for the runtime API.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CertFiles, type LabService } from './nginx.js';
import { startDaemon, waitForPort } from './procs.js';

export const HAPROXY = '/usr/sbin/haproxy';

export interface LabHaproxy extends LabService {
  /** Admin stats socket (`set ssl cert`, `show ssl cert` ...). */
  readonly statsSocket: string;
}

export async function startHaproxy(opts: {
  readonly dir: string;
  readonly address: string;
  readonly ports: readonly number[];
  readonly cert: CertFiles;
}): Promise<LabHaproxy> {
  const prefix = opts.dir;
  mkdirSync(join(prefix, 'certs'), { recursive: true, mode: 0o700 });
  // haproxy reads one PEM with the certificate, its chain and the key.
  const certPath = join(prefix, 'certs', 'server.pem');
  const keyPath = join(prefix, 'certs', 'server.key');
  copyFileSync(opts.cert.keyPath, keyPath);
  writeFileSync(
    certPath,
    readFileSync(opts.cert.certPath, 'utf8') + readFileSync(opts.cert.keyPath, 'utf8'),
    { mode: 0o600 },
  );
  const configPath = join(prefix, 'haproxy.cfg');
  const pidPath = join(prefix, 'haproxy.pid');
  const statsSocket = join(prefix, 'admin.sock');
  const frontends = opts.ports.map((port) =>
    [
      `frontend fe_${port}`,
      `  bind ${opts.address}:${port} ssl crt ${certPath}`,
      `  http-request return status 200 content-type text/plain string "haproxy ${opts.address}:${port}"`,
    ].join('\n'),
  );
  writeFileSync(
    configPath,
    [
      'global',
      '  nbthread 1',
      '  maxconn 200',
      `  stats socket ${statsSocket} mode 600 level admin`,
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 5s',
      '  timeout server 5s',
      ...frontends,
      '',
    ].join('\n'),
  );
  const daemon = startDaemon(
    `haproxy ${opts.address}`,
    HAPROXY,
    ['-W', '-db', '-f', configPath, '-p', pidPath],
    join(prefix, 'haproxy.out'),
  );
  for (const port of opts.ports) await waitForPort(daemon, opts.address, port);
  return {
    kind: 'haproxy',
    ports: opts.ports,
    prefix,
    configPath,
    certPath,
    keyPath,
    pidPath,
    statsSocket,
    testCommand: `${HAPROXY} -c -q -f ${configPath}`,
    // In master-worker mode USR2 makes the master re-read the config and start new workers.
    reloadCommand: `kill -USR2 "$(head -n 1 ${pidPath})"`,
    pid: daemon.pid,
    reload: () => process.kill(daemon.pid, 'SIGUSR2'),
    stop: () => daemon.stop(),
  };
}
