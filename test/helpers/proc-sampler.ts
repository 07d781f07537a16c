// Samples /proc/<pid>/cmdline and environ of every process in a loop until stopped, looking for
// a secret. The needle is read from a file, so the sampler's own argv does not contain it; a
// second pattern shows the sampler really saw the processes it was meant to watch.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

export interface SamplerResult {
  /** /proc files that contained the secret (empty: none did). */
  readonly hits: string;
  /** /proc cmdline files that matched `seen`. */
  readonly seen: string;
  readonly rounds: number;
}

export function startSampler(
  parent: string,
  secret: string,
  seen: string,
): { stop: () => Promise<SamplerResult> } {
  const dir = join(parent, `sampler-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'needle'), secret, { mode: 0o600 });
  writeFileSync(join(dir, 'seen-pattern'), seen);
  const script = [
    'cd "$1"; n=0',
    'while [ ! -e stop ] && [ $n -lt 5000 ]; do',
    '  grep -laF -f needle /proc/[0-9]*/cmdline /proc/[0-9]*/environ >> hits 2>/dev/null',
    '  grep -laF -f seen-pattern /proc/[0-9]*/cmdline >> seen 2>/dev/null',
    '  n=$((n+1)); echo $n > rounds',
    'done',
  ].join('\n');
  const child = spawn('bash', ['-c', script, 'sampler', dir], { stdio: 'ignore' });
  const read = (f: string): string =>
    existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '';
  return {
    stop: async () => {
      writeFileSync(join(dir, 'stop'), '');
      await new Promise<void>((r) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          r();
        });
      });
      return { hits: read('hits'), seen: read('seen'), rounds: Number(read('rounds') || '0') };
    },
  };
}
