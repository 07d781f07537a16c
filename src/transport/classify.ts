// Every raw failure a transport meets becomes a CertrollError here, one function per transport,
// so the wording and the codes live in one place. Remote commands are judged by exit code;
// stderr is data, quoted in messages but never used to decide success.
import { CertrollError, type ErrorCode } from '../errors.js';
import { DEFAULT_TIMEOUTS } from '../inventory/model.js';
import { type HostKeyDecision } from './host-key.js';
import { type HostKeyVerdict } from './known-hosts.js';
import { type ExecResult } from './types.js';

export function transportError(
  code: ErrorCode,
  target: string,
  what: string,
  hint?: string,
  cause?: unknown,
): CertrollError {
  return new CertrollError(code, `Host ${target}: ${what}`, { hint, cause });
}

/** The last `max` characters of stderr, trimmed, for messages. */
export function tail(text: string, max = 400): string {
  const trimmed = text.trim();
  return trimmed.length <= max ? trimmed : `...${trimmed.slice(-max)}`;
}

/** Throws TRANSPORT_COMMAND_FAILED with the exit code and stderr's tail unless exit code is 0. */
export function assertSuccess(result: ExecResult, what: string, target?: string): ExecResult {
  if (result.exitCode === 0) return result;
  const where = target === undefined ? '' : `Host ${target}: `;
  const err = tail(result.stderr);
  throw new CertrollError(
    'TRANSPORT_COMMAND_FAILED',
    `${where}${what} failed with exit code ${result.exitCode}${err === '' ? '' : `: ${err}`}`,
    { hint: 'Read the stderr quoted above; fix the cause on the host and run again.' },
  );
}

const CHANGED_KEY = 'certroll never accepts a changed key.';

/** The refusal names the check(s) that disagreed, what each expected, and the presented key. */
export function hostKeyError(target: string, decision: HostKeyDecision | undefined): CertrollError {
  if (decision === undefined || decision.accepted) {
    return transportError('TRANSPORT_HOST_KEY', target, 'SSH host key was not accepted.');
  }
  const { knownHosts: kh, pin, fingerprint } = decision;
  const consulted = `consulted ${decision.files.length === 0 ? 'no file' : decision.files.join(', ')}`;
  const at = (v: HostKeyVerdict): string => ('known' in v ? v.known.join(', ') : '');
  const pinned = pin === undefined ? '' : `the pinned hostKeyFingerprint ${pin.fingerprint}`;
  if (kh.status === 'revoked') {
    return transportError(
      'TRANSPORT_HOST_KEY',
      target,
      `SSH host key ${fingerprint} is marked @revoked in known_hosts (${at(kh)}).`,
      'A revoked key is refused even when it is listed or pinned: give the host a new key, ' +
        'verify it out of band and list it in known_hosts.',
    );
  }
  const khRefused = kh.status === 'changed' || (pin === undefined && kh.status === 'unknown');
  const pinRefused = pin !== undefined && !pin.matched;
  if (khRefused && pinRefused) {
    return transportError(
      'TRANSPORT_HOST_KEY',
      target,
      `SSH host key ${fingerprint} matches neither known_hosts (expected the key at ${at(kh)}) ` +
        `nor ${pinned}.`,
      `If the host was rebuilt, verify the new key out of band, then update both known_hosts and hostKeyFingerprint; ${CHANGED_KEY}`,
    );
  }
  if (pinRefused) {
    const listed =
      kh.status === 'match' ? 'known_hosts lists it' : `known_hosts has no entry (${consulted})`;
    return transportError(
      'TRANSPORT_HOST_KEY',
      target,
      `SSH host key ${fingerprint} does not match ${pinned} (${listed}).`,
      `If the host was rebuilt, verify the new key out of band, then update hostKeyFingerprint in the inventory; ${CHANGED_KEY}`,
    );
  }
  if (kh.status === 'unknown' && kh.certAuthority !== undefined) {
    return transportError(
      'TRANSPORT_HOST_KEY',
      target,
      `SSH host key ${fingerprint} is not in known_hosts (${consulted}); ${kh.certAuthority.join(', ')} ` +
        'trusts a certificate authority for this host, but its certificate was not checked ' +
        '(a pinned hostKeyFingerprint decides for this host instead).',
      'Verify the host key out of band, then add it to known_hosts (ssh-keyscan) or pin it with ' +
        'hostKeyFingerprint; certroll never accepts an unknown key.',
    );
  }
  if (kh.status === 'unknown') {
    return transportError(
      'TRANSPORT_HOST_KEY',
      target,
      `SSH host key ${fingerprint} is not in known_hosts (${consulted}).`,
      'Verify the fingerprint out of band, then add the key to known_hosts (ssh-keyscan) or ' +
        'pin it with hostKeyFingerprint; certroll never accepts an unknown key.',
    );
  }
  const pinNote = pin === undefined ? '' : `; it does match ${pinned}`;
  return transportError(
    'TRANSPORT_HOST_KEY',
    target,
    `SSH host key does not match known_hosts (${fingerprint}; expected the key at ${at(kh)}${pinNote}).`,
    `If the host was rebuilt, update known_hosts; ${CHANGED_KEY}`,
  );
}

export interface SshFailureContext {
  readonly target: string;
  readonly verdict: HostKeyDecision | undefined;
  /** The host key check ran and refused the key. */
  readonly hostKeyRefused: boolean;
  readonly connectTimeoutMs: number;
}

/** Maps an ssh2 connection error (its `level` and message) to a certroll error. */
export function classifySshError(error: unknown, ctx: SshFailureContext): CertrollError {
  if (error instanceof CertrollError) return error;
  if (ctx.hostKeyRefused) return hostKeyError(ctx.target, ctx.verdict);
  const e = error as Partial<NodeJS.ErrnoException> & { level?: string };
  const message = e.message ?? String(error);
  if (e.level === 'handshake' && /host key/i.test(message)) {
    return transportError(
      'TRANSPORT_HOST_KEY',
      ctx.target,
      `SSH host key negotiation failed (${message}): the host offers no key of the types ` +
        'known_hosts lists for it.',
      'If the host was rebuilt, update known_hosts; certroll never accepts a changed key.',
      error,
    );
  }
  if (e.level === 'client-authentication' || /authentication methods failed/i.test(message)) {
    return transportError(
      'TRANSPORT_AUTH',
      ctx.target,
      `SSH authentication failed (${message}).`,
      'Check the user, the identity file (and its passphrase) or the agent, and that the public ' +
        "key is in the user's authorized_keys.",
      error,
    );
  }
  if (e.level === 'client-timeout' || e.code === 'ETIMEDOUT') {
    return transportError(
      'TRANSPORT_TIMEOUT',
      ctx.target,
      `SSH connection did not complete within ${ctx.connectTimeoutMs} ms.`,
      'Check that the host is up and that nothing drops SSH traffic; if the link is just slow, ' +
        `raise ${timeoutField('connectTimeout')}.`,
      error,
    );
  }
  if (e.level === 'agent') {
    return transportError(
      'TRANSPORT_AUTH',
      ctx.target,
      `The SSH agent failed (${message}).`,
      'Check SSH_AUTH_SOCK, or set identityFile for this host.',
      error,
    );
  }
  return transportError(
    'TRANSPORT_UNREACHABLE',
    ctx.target,
    `SSH connection failed (${e.code ?? message}).`,
    'Check the address and port, that sshd runs there, and firewalls in between.',
    error,
  );
}

// Names the inventory field as it is written (a duration, not milliseconds) and where it lives,
// so the hint can be followed as it stands.
export function timeoutField(field: keyof typeof DEFAULT_TIMEOUTS): string {
  return (
    `the inventory's transport.${field} (a duration such as 30s or 10m; default ` +
    `${DEFAULT_TIMEOUTS[field]}) ` +
    `on the host, or defaults.transport.${field} for every host`
  );
}

/** A command killed because it ran past its timeout. */
export function commandTimeout(target: string, timeoutMs: number, what = 'command'): CertrollError {
  return transportError(
    'TRANSPORT_TIMEOUT',
    target,
    `${what} did not finish within ${timeoutMs} ms and was killed.`,
    'Look for what the command waits on (a prompt, a lock, a slow service); only if it is just ' +
      `slow, raise ${timeoutField('commandTimeout')}.`,
  );
}

export function aborted(target: string, what = 'command'): CertrollError {
  return transportError('TRANSPORT_ABORTED', target, `${what} was cancelled.`);
}

/** sudo -n refusing to ask for a password; the script never ran. */
export function sudoPasswordError(target: string, user: string, stderr: string): CertrollError {
  return transportError(
    'TRANSPORT_AUTH',
    target,
    `sudo needs a password for ${user} (${tail(stderr, 200)}); certroll only uses ` +
      'non-interactive sudo.',
    `Allow ${user} to run sh through sudo without a password (NOPASSWD in sudoers), or log in ` +
      'as a user that needs no sudo.',
  );
}

const SUDO_REFUSED = /^sudo: (a password is required|a terminal is required|.*may not run sudo)/m;

export function isSudoRefusal(result: ExecResult): boolean {
  return result.exitCode === 1 && SUDO_REFUSED.test(result.stderr);
}

/**
 * The pwsh-remoting wrapper exits 255 with a `certroll-remoting:` line when Invoke-Command
 * itself failed (the script never ran): an authentication or a reachability problem.
 */
export function classifyRemotingFailure(
  result: ExecResult,
  target: string,
): CertrollError | undefined {
  if (result.exitCode !== 255) return undefined;
  const line = /^certroll-remoting: (.*)$/m.exec(result.stderr);
  if (line === null) return undefined;
  const what = line[1] ?? '';
  if (/access is denied|logon failure|unauthorized|authentication/i.test(what)) {
    return transportError(
      'TRANSPORT_AUTH',
      target,
      `PowerShell remoting refused the credential (${tail(what, 200)}).`,
      'Check the user and the password reference, and that the user may use WinRM on the host.',
    );
  }
  return transportError(
    'TRANSPORT_UNREACHABLE',
    target,
    `PowerShell remoting could not reach the host (${tail(what, 200)}).`,
    'Check that WinRM listens on the port (winrm quickconfig), TrustedHosts, and firewalls.',
  );
}

/** A local program (sh, sudo, pwsh) that could not be started at all. */
export function processStartError(
  file: string,
  cause: unknown,
  shortMessage: string | undefined,
  target: string,
  missingHint: string | undefined,
): CertrollError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return transportError(
    'TRANSPORT_UNREACHABLE',
    target,
    code === 'ENOENT'
      ? `${file} is not installed or not on PATH.`
      : `${file} could not be started (${shortMessage}).`,
    missingHint,
    cause,
  );
}
