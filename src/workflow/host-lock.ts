// The lock on the host itself (invariant 5), so two control machines cannot work on one host at
// once. The scripts are built in src/shell/host-lock.ts; this runs them and reads their result.
import { CertrollError } from '../errors.js';
import {
  hostLockInput,
  LOCK_HELD_EXIT,
  LOCKED_MARK,
  shLockThen,
  PS_LOCK_ACQUIRE,
  PS_LOCK_RELEASE,
  shLockAcquire,
  shLockRelease,
} from '../shell/index.js';
import { type ExecResult, type Transport } from '../transport/types.js';

export const DEFAULT_LOCK_PATH = {
  sh: '/var/tmp/certroll.lock',
  powershell: 'C:\\ProgramData\\certroll\\certroll.lock',
};

// sh gets its values quoted into the script; PowerShell's script is static, values on stdin.
function runLockScript(
  t: Transport,
  sh: string,
  ps: string,
  path: string,
  runId: string,
  signal: AbortSignal | undefined,
) {
  const options = signal ? { signal } : {};
  return t.shell === 'sh'
    ? t.exec(sh, options)
    : t.exec(ps, { ...options, stdin: hostLockInput(path, runId) });
}

export async function acquireHostLock(
  t: Transport,
  runId: string,
  path: string,
  signal?: AbortSignal,
): Promise<void> {
  const result = await runLockScript(
    t,
    shLockAcquire(path, runId),
    PS_LOCK_ACQUIRE,
    path,
    runId,
    signal,
  );
  if (result.exitCode !== 0) throw lockRefused(t, path, result);
}

/**
 * sh hosts: the lock, then `rest` in the same command; the rest runs only once the lock is
 * taken. A refused lock throws as acquireHostLock does; otherwise the result is the rest's
 * (its status, its stdout without the lock's line, its stderr).
 */
export async function acquireHostLockThen(
  t: Transport,
  runId: string,
  path: string,
  rest: string,
  signal?: AbortSignal,
): Promise<ExecResult> {
  const options = signal ? { signal } : {};
  const result = await t.exec(shLockThen(path, runId, rest), options);
  const mark = `${LOCKED_MARK}\n`;
  if (!result.stdout.startsWith(mark)) throw lockRefused(t, path, result);
  return { ...result, stdout: result.stdout.slice(mark.length) };
}

function lockRefused(t: Transport, path: string, result: ExecResult): CertrollError {
  if (result.exitCode === LOCK_HELD_EXIT) {
    return new CertrollError(
      'LOCK_HELD',
      `${t.target}: the host is locked (${path}), ${result.stderr.trim()}.`,
      {
        hint: `Another certroll run is working on this host. If that run is dead, remove ${path} on the host after checking its bindings.`,
      },
    );
  }
  return new CertrollError(
    'TRANSPORT_COMMAND_FAILED',
    `${t.target}: could not create the host lock ${path} (exit ${result.exitCode}): ${result.stderr.trim()}`,
    {
      hint: 'Check that the lock folder’s parent exists and is writable by the remote user.',
    },
  );
}

export async function releaseHostLock(
  t: Transport,
  runId: string,
  path: string,
  signal?: AbortSignal,
): Promise<void> {
  const result = await runLockScript(
    t,
    shLockRelease(path, runId),
    PS_LOCK_RELEASE,
    path,
    runId,
    signal,
  );
  if (result.exitCode !== 0) {
    throw new CertrollError(
      'TRANSPORT_COMMAND_FAILED',
      `${t.target}: could not remove the host lock ${path}: ${result.stderr.trim()}`,
    );
  }
}
