// Stopping a remote command. Closing an SSH channel does not stop what runs behind it (without a
// pty sshd leaves the child running), and sshd refuses signal requests for root logins (no
// post-auth privilege separation) and sends them as the login user (so not to a sudo child). So
// sh commands announce their process group on stderr, and stopping one runs `kill` on the group
// over a second channel, through sudo where the command went through sudo.
import { type NodeSSH } from 'node-ssh';
import { type ClientChannel } from 'ssh2';

const GRACE_MS = 500;

/** Prepended to sh commands: the login shell is the session leader, so $$ is the group id. */
export const PID_ANNOUNCE = `printf 'certroll-pid:%s\\n' "$$" >&2; `;
const PID_LINE = /^certroll-pid:(\d+)\n/m;

/** Finds and removes the announcement line from stderr. */
export function takePid(stderr: string): { pid: number | undefined; rest: string } {
  const m = PID_LINE.exec(stderr);
  if (m === null) return { pid: undefined, rest: stderr };
  return {
    pid: Number(m[1]),
    rest: stderr.slice(0, m.index) + stderr.slice(m.index + m[0].length),
  };
}

/**
 * The sh command that ends process group `pid`: TERM (scripts' traps remove their temp files),
 * up to 3 s for the group to go, then KILL.
 */
export function killGroupCommand(pid: number): string {
  if (!Number.isInteger(pid) || pid <= 1) throw new RangeError(`Bad process group ${pid}.`);
  // `kill -SIG -PGID`, not `kill -SIG -- -PGID`: dash's kill refuses the `--` form.
  return [
    `kill -TERM -${pid} 2>/dev/null`,
    `i=0; while kill -0 -${pid} 2>/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i+1)); done`,
    `kill -KILL -${pid} 2>/dev/null; true`,
  ].join('; ');
}

interface ChannelInternals {
  readonly outgoing?: { readonly id?: number; readonly state?: string };
  readonly _client?: { readonly _protocol?: { signal(id: number, name: string): void } };
}

/**
 * Sends a signal request (honoured by sshd for non-root logins with privilege separation).
 * ssh2's `channel.signal()` drops it once our side was ended, and we end stdin at once, so this
 * calls the protocol object the same way, guarded.
 */
function sendSignal(channel: ClientChannel, name: string): void {
  const c = channel as unknown as ChannelInternals;
  const id = c.outgoing?.id;
  const proto = c._client?._protocol;
  const state = c.outgoing?.state;
  if ((state !== 'open' && state !== 'eof') || id === undefined || proto === undefined) return;
  try {
    proto.signal(id, name);
  } catch {
    // The connection is going away; closing the channel is all that is left.
  }
}

/**
 * Runs `command` on a fresh channel, ignoring its output; never throws. A refused channel open
 * (sshd's MaxSessions, freed a moment later) is tried again, up to 10 times.
 */
export function fireAndForget(ssh: NodeSSH, command: string, limitMs = 10_000, attempt = 1): void {
  let timer: NodeJS.Timeout | undefined;
  ssh
    .execCommand(command, {
      onChannel: (ch) => {
        timer = setTimeout(() => ch.close(), limitMs);
        timer.unref();
        // node-ssh listens to no channel 'error'; unheard, one would crash the process.
        ch.on('error', () => undefined);
      },
    })
    .then(
      () => clearTimeout(timer),
      (error: unknown) => {
        // No connection (node-ssh's 'Not connected'): nothing to kill with. Otherwise the
        // channel was refused: try again shortly.
        if (/^Not connected/.test((error as Error).message) || attempt >= 10) return;
        setTimeout(() => fireAndForget(ssh, command, limitMs, attempt + 1), 50 * attempt).unref();
      },
    );
}

/** Stops what runs on `channel`: signals, the group kill when the pid is known, then close. */
export function stopChannel(
  ssh: NodeSSH,
  channel: ClientChannel,
  killCommand: string | undefined,
): void {
  sendSignal(channel, 'TERM');
  if (killCommand !== undefined) fireAndForget(ssh, killCommand);
  const timer = setTimeout(() => {
    sendSignal(channel, 'KILL');
    channel.close();
  }, GRACE_MS);
  timer.unref();
}
