// A shell script run under `strace -f`, which sees every fork and exec of it and its children:
// what the script costs a host in processes. bash, not sh: sshd runs a command in the user's
// login shell, bash for root on Debian and RHEL, and bash forks where dash does not (a
// redirection inside $(...), for one).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Traced {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Every process the shell was or started, itself included (distinct PIDs). */
  readonly processes: number;
  /** The programs executed, in order, by base name (the shell itself first). */
  readonly programs: readonly string[];
}

export function traceScript(
  script: string,
  o: { stdin?: string | Buffer; cwd?: string } = {},
): Traced {
  const dir = mkdtempSync(join(tmpdir(), 'certroll-strace-'));
  try {
    const log = join(dir, 'trace');
    const r = spawnSync(
      'strace',
      // -z: successful calls only (an exec that failed started no program).
      [
        '-f',
        '-qq',
        '-z',
        '-e',
        'signal=none',
        '-o',
        log,
        '-e',
        'trace=execve,fork,vfork,clone,clone3',
      ].concat(['bash', '-c', script]),
      { input: o.stdin ?? '', encoding: 'utf8', timeout: 20_000, ...(o.cwd ? { cwd: o.cwd } : {}) },
    );
    if (r.error !== undefined)
      throw new Error(
        `strace could not run (${r.error.message}): scripts/install-lab-packages.sh installs it`,
      );
    const lines = readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    const programs = lines.flatMap((l) => /execve\("([^"]*)"/.exec(l)?.[1] ?? []);
    return {
      exitCode: r.status ?? -1,
      stdout: r.stdout,
      stderr: r.stderr,
      processes: new Set(lines.map((l) => l.split(' ', 1)[0])).size,
      programs: programs.map((p) => p.replace(/.*\//, '')),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
