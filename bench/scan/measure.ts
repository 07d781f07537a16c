// Runs one client as a child process under GNU time, so every tool's wall time and peak memory
// are measured the same way (startup included).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface Measured {
  readonly wallMs: number;
  readonly maxRssKb: number | undefined;
  /** User + system CPU seconds of the child (and its children), from GNU time. */
  readonly cpuS: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
}

const GNU_TIME = '/usr/bin/time';

export function measure(
  cmd: string,
  args: readonly string[],
  timeoutMs = 600_000,
): Promise<Measured> {
  const timed = existsSync(GNU_TIME);
  const [file, argv] = timed ? [GNU_TIME, ['-v', cmd, ...args]] : [cmd, [...args]];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({
        wallMs: performance.now() - t0,
        ...gnuTimeReport(stderr),
        stdout,
        stderr,
        code,
      });
    });
  });
}

/** Peak memory and CPU seconds from `/usr/bin/time -v` output (undefined when absent). */
export function gnuTimeReport(stderr: string): {
  maxRssKb: number | undefined;
  cpuS: number | undefined;
} {
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1];
  const user = /User time \(seconds\): ([\d.]+)/.exec(stderr)?.[1];
  const sys = /System time \(seconds\): ([\d.]+)/.exec(stderr)?.[1];
  return {
    maxRssKb: rss === undefined ? undefined : Number(rss),
    cpuS: user === undefined || sys === undefined ? undefined : Number(user) + Number(sys),
  };
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
