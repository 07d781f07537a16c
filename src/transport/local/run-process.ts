// Runs a local program through execa with certroll's semantics: data on stdin, the exit code as
// data, a timeout and an AbortSignal that end the whole process group (TERM, then KILL), so a
// grandchild that holds the pipes open cannot keep the call waiting.
import { aborted, commandTimeout, processStartError } from '../classify.js';
import { type ExecResult } from '../types.js';

export interface RunProcessOptions {
  readonly target: string;
  readonly what: string;
  readonly stdin?: string | Buffer;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Hint shown when the program itself is not installed. */
  readonly missingHint?: string;
  /** Sees stderr as it arrives (the result still holds all of it). */
  readonly onStderr?: (chunk: string) => void;
}

const KILL_GRACE_MS = 500;

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

export async function runProcess(
  file: string,
  args: readonly string[],
  opts: RunProcessOptions,
): Promise<ExecResult> {
  if (opts.signal?.aborted === true) throw aborted(opts.target, opts.what);
  // Loaded on first use: a run over SSH alone never needs it (it adds ~25 MB to the process).
  const { execa } = await import('execa');
  const started = performance.now();
  const stop = new AbortController();
  let why: 'timeout' | 'abort' | undefined;
  const timer = setTimeout(() => {
    why ??= 'timeout';
    stop.abort();
  }, opts.timeoutMs);
  const onAbort = (): void => {
    why ??= 'abort';
    stop.abort();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const child = execa(file, args, {
    input: opts.stdin ?? '',
    reject: false,
    stripFinalNewline: false,
    detached: true,
    cancelSignal: stop.signal,
    forceKillAfterDelay: KILL_GRACE_MS,
    encoding: 'utf8',
  });
  if (opts.onStderr !== undefined)
    child.stderr?.on('data', (d: Buffer | string) => opts.onStderr?.(String(d)));
  const onStop = (): void => {
    killGroup(child.pid, 'SIGTERM');
    setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS).unref();
  };
  stop.signal.addEventListener('abort', onStop, { once: true });
  try {
    const result = await child;
    if (why === 'timeout') throw commandTimeout(opts.target, opts.timeoutMs, opts.what);
    if (why === 'abort') throw aborted(opts.target, opts.what);
    if (result.exitCode === undefined) {
      throw processStartError(
        file,
        result.cause,
        result.shortMessage,
        opts.target,
        opts.missingHint,
      );
    }
    return {
      exitCode: result.exitCode,
      stdout: String(result.stdout),
      stderr: String(result.stderr),
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
