// Runs one tool as a child process under GNU time (wall time, user+system CPU of it and its
// children, peak RSS of its largest process), in its own process group so that a run past its
// time limit is killed with everything it started.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { gnuTimeReport } from '../scan/measure.js';

export interface Measured {
  readonly wallMs: number;
  /** GNU time's "Maximum resident set size": the largest single process of the tree. */
  readonly maxRssKb: number | undefined;
  readonly cpuS: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
  readonly timedOut: boolean;
}

const GNU_TIME = '/usr/bin/time';

/** Process groups of the tools running now. */
const running = new Set<number>();

/** Kills every tool still running, with all it started (on SIGINT/SIGTERM of the bench). */
export function killRunning(): void {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

export function measure(
  cmd: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number },
): Promise<Measured> {
  const timed = existsSync(GNU_TIME);
  const [file, argv] = timed ? [GNU_TIME, ['-v', cmd, ...args]] : [cmd, [...args]];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(file, argv, {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: opts.env ?? process.env,
      ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-200_000)));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-200_000)));
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid !== undefined) process.kill(-pid, 'SIGKILL');
    }, opts.timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      if (pid !== undefined) running.delete(pid);
      resolve({
        wallMs: performance.now() - t0,
        ...gnuTimeReport(stderr),
        stdout,
        stderr,
        code,
        timedOut,
      });
    });
  });
}
