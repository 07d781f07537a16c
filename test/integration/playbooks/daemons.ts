// nginx and haproxy started by the tests as children on 127.0.0.1, stopped by their own pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { servedSha256 } from './local.js';

export interface Daemon {
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

async function waitUntil(
  check: () => Promise<boolean> | boolean,
  ms: number,
  what: string,
): Promise<void> {
  const until = Date.now() + ms;
  for (let i = 0; i < 300 && Date.now() < until; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function start(cmd: string, args: string[], logs: string[]): Daemon {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => logs.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => logs.push(d.toString()));
  return {
    child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** nginx in the foreground with its prefix in `dir`, serving certPath/keyPath on `port`. */
export async function startNginx(
  dir: string,
  port: number,
  certPath: string,
  keyPath: string,
): Promise<Daemon & { args: string[] }> {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    [
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'logs', 'error.log')} warn;`,
      'events { worker_connections 64; }',
      'http {',
      '  access_log off;',
      `  client_body_temp_path ${join(dir, 'tmp-body')};`,
      `  proxy_temp_path ${join(dir, 'tmp-proxy')};`,
      `  fastcgi_temp_path ${join(dir, 'tmp-fcgi')};`,
      `  uwsgi_temp_path ${join(dir, 'tmp-uwsgi')};`,
      `  scgi_temp_path ${join(dir, 'tmp-scgi')};`,
      '  server {',
      `    listen 127.0.0.1:${port} ssl;`,
      '    server_name localhost;',
      `    ssl_certificate ${certPath};`,
      `    ssl_certificate_key ${keyPath};`,
      '    return 200 "ok";',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const args = ['-p', dir, '-c', conf];
  const logs: string[] = [];
  const d = start('/usr/sbin/nginx', [...args, '-g', 'daemon off;'], logs);
  await waitUntil(
    async () => (await servedSha256(port)) !== undefined,
    10_000,
    `nginx: ${logs.join('')}`,
  );
  return { ...d, args };
}

/** haproxy in the foreground (-db) with an admin stats socket, serving crtPath on `port`. */
export async function startHaproxy(
  dir: string,
  port: number,
  crtPath: string,
  masterWorker = false,
): Promise<Daemon & { config: string; socket: string }> {
  const config = join(dir, 'haproxy.cfg');
  const socket = join(dir, 'admin.sock');
  writeFileSync(
    config,
    [
      'global',
      `  stats socket ${socket} level admin`,
      'defaults',
      '  mode http',
      '  timeout connect 1s',
      '  timeout client 5s',
      '  timeout server 5s',
      'frontend tls',
      `  bind 127.0.0.1:${port} ssl crt ${crtPath}`,
      '  http-request return status 200 content-type text/plain string ok',
      '',
    ].join('\n'),
  );
  const logs: string[] = [];
  // Master-worker mode reloads on SIGUSR2 to the master (the child we started).
  const d = start(
    '/usr/sbin/haproxy',
    [...(masterWorker ? ['-W'] : []), '-db', '-f', config],
    logs,
  );
  await waitUntil(
    async () => existsSync(socket) && (await servedSha256(port)) !== undefined,
    10_000,
    `haproxy: ${logs.join('')}`,
  );
  return { ...d, config, socket };
}
