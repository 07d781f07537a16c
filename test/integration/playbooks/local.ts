// Running rendered playbook steps on this machine the way the engine will: `prepare`, then the
// uploads with their mode, then the script with its stdin. `execute` goes through the real
// LocalTransport; `runRendered` is a bare `sh -c` in a chosen folder (for relative paths).
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { type RenderedStep } from '../../../src/playbooks/render.js';
import { LocalTransport } from '../../../src/transport/local/local-transport.js';
import { type Transport } from '../../../src/transport/types.js';
import { localHost } from '../../lab/index.js';
import { traceScript, type Traced } from '../../helpers/strace.js';

export interface Result {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function sh(script: string, stdin?: string | Buffer, cwd?: string): Promise<Result> {
  return spawned('sh', ['-c', script], stdin, cwd);
}

function spawned(
  file: string,
  args: readonly string[],
  stdin?: string | Buffer,
  cwd?: string,
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
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

export function labTransport(): Transport {
  return new LocalTransport(localHost('lab'));
}

export async function execute(transport: Transport, step: RenderedStep): Promise<Result> {
  if (step.prepare !== undefined) {
    const r = await transport.exec(step.prepare);
    if (r.exitCode !== 0) return r;
  }
  for (const u of step.uploads) await transport.putFile(u.path, u.data, { mode: u.mode });
  return transport.exec(step.script, step.stdin === undefined ? {} : { stdin: step.stdin });
}

/**
 * Runs a rendered step like `runRendered` (its `prepare` and uploads unobserved) and its script
 * under strace (test/helpers/strace.ts): what the step costs a host in processes.
 */
export async function countProcesses(step: RenderedStep, cwd?: string): Promise<Traced> {
  if (step.prepare !== undefined) {
    const r = await sh(step.prepare, undefined, cwd);
    if (r.exitCode !== 0) throw new Error(`prepare failed: ${r.stderr}`);
  }
  for (const u of step.uploads) {
    rmSync(u.path, { force: true });
    writeFileSync(u.path, u.data, { mode: u.mode, flag: 'wx' });
  }
  return traceScript(step.script, {
    ...(step.stdin !== undefined ? { stdin: step.stdin } : {}),
    ...(cwd !== undefined ? { cwd } : {}),
  });
}
