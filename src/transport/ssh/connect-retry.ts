// When an SSH connection attempt is made again: a network (a flaky VPN, a middlebox) that cuts
// a connection during the key exchange should not fail a host that a second attempt reaches.
// The attempts are few and short, and only where nothing but a key exchange reached the host.

/** Attempts at one SSH connection whose first ones are cut during the handshake. */
export const CONNECT_ATTEMPTS = 3;
const CONNECT_RETRY_MS = 250;
/** What certroll reports for a connection closed before `ready` (node-ssh says ETIMEDOUT). */
export const CLOSED_IN_HANDSHAKE = 'connection closed during the handshake';
// The classified errors of attempts that connectRetryable allows again.
const retryable = new WeakSet<object>();

/**
 * Whether a failed connection attempt may be made again: the connection was closed or reset
 * during the handshake, before authentication started and without a refused host key, on a
 * socket of its own (a jump host's forwarded channel is spent). Nothing reached the host but a
 * key exchange, so another attempt repeats no side effect and no authentication attempt (which
 * sshd's MaxAuthTries or fail2ban would count). A timeout is not retried: it would multiply the
 * wait on a host that is down.
 */
export function connectRetryable(
  error: unknown,
  trace: { readonly authStarted: boolean; readonly hostKeyRefused: boolean },
  viaJump: boolean,
): boolean {
  if (viaJump || trace.authStarted || trace.hostKeyRefused) return false;
  const e = error as Partial<NodeJS.ErrnoException>;
  return e.code === 'ECONNRESET' || e.code === 'EPIPE' || e.message === CLOSED_IN_HANDSHAKE;
}

/** Marks the error an attempt failed with as one `withConnectRetry` makes again. */
export function markRetryable(error: object): void {
  retryable.add(error);
}

/** Runs `attempt` up to CONNECT_ATTEMPTS times while it fails with a marked error. */
export async function withConnectRetry<T>(
  signal: AbortSignal | undefined,
  attempt: () => Promise<T>,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (n >= CONNECT_ATTEMPTS || !retryable.has(error as object)) throw error;
    }
    await pause(CONNECT_RETRY_MS * n, signal);
  }
}

/** Waits `ms`, or less when `signal` aborts (the next attempt then fails as aborted). */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
