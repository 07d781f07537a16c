// The bench lab: a small PKI made with the openssl CLI and one nginx serving N TLS endpoints on
// 127.0.0.1 (one `listen` per server block), each endpoint with one of a few distinct leaves so
// that "found the right fingerprint" means something.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { procStats } from '../../test/lab/proc-stat.js';

export const SNI = 'bench.test';
export const ADDRESS = '127.0.0.1';

export interface Leaf {
  readonly cert: string;
  readonly key: string;
  readonly sha256: string;
  readonly sha1: string;
}

export interface Lab {
  readonly dir: string;
  readonly rootPath: string;
  readonly ports: readonly number[];
  /** Expected leaf per port. */
  readonly expected: ReadonlyMap<number, Leaf>;
  readonly nginxPid: number;
  /** CPU seconds used so far by nginx's worker processes (Linux /proc), to see the server's share. */
  serverCpuS(): number;
  stop(): Promise<void>;
}

function openssl(args: readonly string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function makePki(dir: string, leaves: number): { rootPath: string; leaves: Leaf[] } {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const rootKey = join(dir, 'root.key');
  const rootPath = join(dir, 'root.crt');
  openssl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    rootKey,
    '-out',
    rootPath,
    '-subj',
    '/CN=bench root',
    '-days',
    '30',
  ]);
  writeFileSync(
    join(dir, 'ext.cnf'),
    `subjectAltName=DNS:${SNI}\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n`,
  );
  const out: Leaf[] = [];
  for (let i = 0; i < leaves; i++) {
    const key = join(dir, `leaf${i}.key`);
    const csr = join(dir, `leaf${i}.csr`);
    const cert = join(dir, `leaf${i}.crt`);
    openssl(['req', ...ec, '-keyout', key, '-out', csr, '-subj', `/CN=${SNI}`]);
    openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      rootPath,
      '-CAkey',
      rootKey,
      '-out',
      cert,
      '-days',
      '20',
      '-extfile',
      join(dir, 'ext.cnf'),
      '-set_serial',
      String(1000 + i),
    ]);
    const x = new X509Certificate(readFileSync(cert));
    out.push({
      cert,
      key,
      sha256: x.fingerprint256.replace(/:/g, '').toLowerCase(),
      sha1: x.fingerprint.replace(/:/g, '').toUpperCase(),
    });
  }
  return { rootPath, leaves: out };
}

// utime + stime of the processes whose parent is `ppid`, in seconds (USER_HZ is 100 on Linux).
function childrenCpuS(ppid: number): number {
  let s = 0;
  for (const p of procStats()) if (p.ppid === ppid) s += p.cpuS;
  return s;
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s: Server = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, ADDRESS, () => s.close(() => resolve(true)));
  });
}

/** `count` consecutive free ports, searched from `from` in steps (bounded). */
async function freeRange(count: number, from = 30000): Promise<number[]> {
  for (let base = from; base + count < 60000; base += count) {
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await bindable(p);
    if (ok) return Array.from({ length: count }, (_, i) => base + i);
  }
  throw new Error(`no ${count} consecutive free ports on ${ADDRESS}`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: ADDRESS, port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => (s.destroy(), resolve(false)));
  });
}

export async function startLab(endpoints: number, distinctLeaves = 20): Promise<Lab> {
  const dir = mkdtempSync(join(tmpdir(), 'certroll-bench-'));
  const { rootPath, leaves } = makePki(dir, distinctLeaves);
  const ports = await freeRange(endpoints);
  const expected = new Map<number, Leaf>();
  const blocks = ports.map((port, i) => {
    const leaf = leaves[i % leaves.length]!;
    expected.set(port, leaf);
    return `  server { listen ${ADDRESS}:${port} ssl; server_name ${SNI}; ssl_certificate ${leaf.cert}; ssl_certificate_key ${leaf.key}; return 200; }`;
  });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    [
      ...(process.getuid?.() === 0 ? ['user root;'] : []),
      'worker_processes 2;',
      'worker_rlimit_nofile 16384;',
      'events { worker_connections 8192; }',
      'http {',
      '  access_log off;',
      `  error_log ${join(dir, 'error.log')} warn;`,
      '  ssl_protocols TLSv1.2 TLSv1.3;',
      '  ssl_session_cache off; ssl_session_tickets off;',
      ...blocks,
      '}',
    ].join('\n'),
  );
  const nginx: ChildProcess = spawn(
    '/usr/sbin/nginx',
    [
      '-p',
      dir,
      '-e',
      join(dir, 'error.log'),
      '-c',
      conf,
      '-g',
      `daemon off; pid ${join(dir, 'nginx.pid')};`,
    ],
    { stdio: 'ignore' },
  );
  const pid = nginx.pid;
  if (pid === undefined) throw new Error('nginx did not start');
  const until = Date.now() + 30_000;
  for (const port of [ports[0]!, ports.at(-1)!]) {
    while (!(await accepts(port))) {
      if (nginx.exitCode !== null || Date.now() > until) {
        throw new Error(
          `nginx did not open ${port}: ${readFileSync(join(dir, 'error.log'), 'utf8').slice(-2000)}`,
        );
      }
      await sleep(50);
    }
  }
  return {
    dir,
    rootPath,
    ports,
    expected,
    nginxPid: pid,
    serverCpuS: () => childrenCpuS(pid),
    stop: async () => {
      if (nginx.exitCode === null) {
        const exited = new Promise((r) => nginx.once('exit', r));
        process.kill(pid, 'SIGTERM');
        await Promise.race([exited, sleep(5000)]);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
