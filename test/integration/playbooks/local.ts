// Running rendered playbook steps on this machine the way the engine will: `prepare`, then the
// uploads with their mode, then the script with its stdin. `execute` goes through the real
// LocalTransport; `runRendered` is a bare `sh -c` in a chosen folder (for relative paths).
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { connect } from 'node:tls';
import { type RenderedStep } from '../../../src/playbooks/render.js';
import { LocalTransport } from '../../../src/transport/local/local-transport.js';
import { type Transport } from '../../../src/transport/types.js';

export interface Result {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function sh(script: string, stdin?: string | Buffer, cwd?: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', script], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? -1, stdout, stderr });
    });
    child.stdin.on('error', () => undefined); // a script that exits early closes its stdin
    child.stdin.end(stdin ?? '');
  });
}

export async function runRendered(step: RenderedStep, cwd?: string): Promise<Result> {
  if (step.prepare !== undefined) {
    const r = await sh(step.prepare, undefined, cwd);
    if (r.exitCode !== 0) return r;
  }
  for (const u of step.uploads) {
    rmSync(u.path, { force: true });
    writeFileSync(u.path, u.data, { mode: u.mode, flag: 'wx' });
  }
  return sh(step.script, step.stdin, cwd);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr !== null ? addr.port : 0));
    });
  });
}

/** SHA-256 (lowercase hex) of the leaf served on 127.0.0.1:port, or undefined on no answer. */
export function servedSha256(port: number, servername = 'localhost'): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false });
    const done = (v: string | undefined): void => {
      socket.destroy();
      resolve(v);
    };
    socket.setTimeout(2_000, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('secureConnect', () =>
      done(socket.getPeerX509Certificate()?.fingerprint256.replace(/:/g, '').toLowerCase()),
    );
  });
}

/** Polls until the port serves `sha256` (a reload is asynchronous); bounded. */
export async function waitForServed(
  port: number,
  sha256: string,
  ms = 8_000,
): Promise<string | undefined> {
  const until = Date.now() + ms;
  let seen: string | undefined;
  for (let i = 0; i < 200 && Date.now() < until; i++) {
    seen = await servedSha256(port);
    if (seen === sha256) return seen;
    await new Promise((r) => setTimeout(r, 100));
  }
  return seen;
}

export function labTransport(): Transport {
  return new LocalTransport({
    name: 'lab',
    address: '127.0.0.1',
    transport: {
      kind: 'local',
      port: 0,
      knownHosts: [],
      sudo: false,
      connectTimeoutMs: 5_000,
      commandTimeoutMs: 20_000,
    },
    legacyPfx: false,
    bindings: [],
    exclusions: [],
    origin: {},
  });
}

export async function execute(transport: Transport, step: RenderedStep): Promise<Result> {
  if (step.prepare !== undefined) {
    const r = await transport.exec(step.prepare);
    if (r.exitCode !== 0) return r;
  }
  for (const u of step.uploads) await transport.putFile(u.path, u.data, { mode: u.mode });
  return transport.exec(step.script, step.stdin === undefined ? {} : { stdin: step.stdin });
}
