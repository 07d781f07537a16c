// Runs one command over an open SSH connection with node-ssh's execCommand: stdin written then
// closed, stdout and stderr collected as bytes, the exit status returned as data. A timeout or an
// abort ends the remote process group (see remote-kill.ts) and closes the channel.
import { constants } from 'node:os';
import { Readable } from 'node:stream';
import { type NodeSSH } from 'node-ssh';
import { type ClientChannel } from 'ssh2';
import { aborted, commandTimeout, transportError } from '../classify.js';
import { type ExecResult } from '../types.js';
import { PID_ANNOUNCE, killGroupCommand, stopChannel, takePid } from './remote-kill.js';

export interface ChannelExecOptions {
  readonly stdin?: string | Buffer;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** What the command is, for messages ("putFile /etc/x"); defaults to "command". */
  readonly what?: string;
  /**
   * For sh hosts: how to run the group kill (`sudoWrap` where commands use sudo). When set, the
   * command announces its process group first; when absent (PowerShell), stopping only closes.
   */
  readonly killVia?: (killCommand: string) => string;
  /** sh run after a stopped command's group is gone (e.g. removing putFile's temp file). */
  readonly afterStop?: string;
  /**
   * For commands that announce their own process id on stderr (PowerShell's prelude): the
   * command that ends that process and its children, run on a second channel when stopped.
   */
  readonly killCommandFor?: (pid: number) => string;
}

function exitFromSignal(name: string | undefined): number {
  if (name === undefined) return 255;
  // ssh2 reports the signal as `SIGTERM`; the protocol's own form is `TERM`. Accept both.
  const full = name.startsWith('SIG') ? name : `SIG${name}`;
  const num = (constants.signals as Record<string, number | undefined>)[full];
  return num === undefined ? 255 : 128 + num;
}

export function execOnChannel(
  ssh: NodeSSH,
  target: string,
  command: string,
  opts: ChannelExecOptions,
): Promise<ExecResult> {
  const started = performance.now();
  const what = opts.what ?? 'command';
  return new Promise<ExecResult>((resolve, reject) => {
    if (opts.signal?.aborted === true) {
      reject(aborted(target, what));
      return;
    }
    let channel: ClientChannel | undefined;
    let settled = false;
    let stopping = false;
    let pid: number | undefined;
    const out: Buffer[] = [];
    const errOut: Buffer[] = [];
    const announces = opts.killVia !== undefined || opts.killCommandFor !== undefined;
    const stop = (): void => {
      stopping = true;
      if (channel !== undefined) stopChannel(ssh, channel, killCommandOf(opts, pid));
    };
    const settle = (error: Error | undefined, result?: ExecResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (error !== undefined) {
        stop();
        reject(error);
      } else if (result !== undefined) resolve(result);
    };
    const onAbort = (): void => settle(aborted(target, what));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    // Declared after settle, which only runs from callbacks, so it is always set by then.
    const timer = setTimeout(
      () => settle(commandTimeout(target, opts.timeoutMs, what)),
      opts.timeoutMs,
    );
    const stdin = new Readable({ read: () => undefined });
    const onChannel = (ch: ClientChannel): void => {
      channel = ch;
      // node-ssh listens to no channel 'error'; unheard, one would crash the process.
      ch.on('error', (e: Error) => settle(channelError(e, target)));
      if (settled) {
        // Stopped while the channel opened: the command's input is never sent (a cancelled
        // putFile must not get its data), and stdin stays open until the channel is closed.
        // Not destroyed: node-ssh would then take it for a string and write() it, and the
        // TypeError thrown inside ssh2's packet handler would take the connection down.
        stop();
        return;
      }
      // Always close stdin so a command that reads it cannot wait for more.
      if (opts.stdin !== undefined) stdin.push(opts.stdin);
      stdin.push(null);
    };
    const onStderr = (d: Buffer): void => {
      errOut.push(d);
      if (pid !== undefined || !announces || channel === undefined) return;
      pid = takePid(Buffer.concat(errOut).toString('utf8')).pid;
      // Stopped before the pid was known: kill now that it is.
      if (pid !== undefined && stopping) stopChannel(ssh, channel, killCommandOf(opts, pid));
    };
    const sent = opts.killVia === undefined ? command : PID_ANNOUNCE + command;
    ssh
      .execCommand(sent, {
        // A stream, not a string: node-ssh takes no Buffer, and this one is only filled once the
        // channel is open and the command not stopped. No pty (execOptions left empty).
        stdin,
        onChannel,
        // Bytes, not node-ssh's strings: it decodes chunk by chunk, which splits UTF-8
        // characters across chunks, and it trims unless told not to.
        onStdout: (d: Buffer) => out.push(d),
        onStderr,
        noTrim: true,
      })
      .then(
        (r) => {
          // node-ssh reports neither code nor signal when the channel closed without an exit.
          if (r.code === null && r.signal === null) {
            settle(closedBeforeExit(target, what));
            return;
          }
          settle(undefined, {
            exitCode: r.code ?? exitFromSignal(r.signal ?? undefined),
            stdout: Buffer.concat(out).toString('utf8'),
            stderr: stderrText(errOut, announces),
            durationMs: Math.round(performance.now() - started),
          });
        },
        (error: unknown) => settle(openFailure(error, target)),
      );
  });
}

/** The command that stops a command whose process (group) id is `pid`, as the host's shell needs. */
function killCommandOf(opts: ChannelExecOptions, pid: number | undefined): string | undefined {
  if (pid === undefined) return undefined;
  if (opts.killCommandFor !== undefined) return opts.killCommandFor(pid);
  if (opts.killVia === undefined) return undefined;
  const group = killGroupCommand(pid);
  return opts.killVia(opts.afterStop === undefined ? group : `${group}; ${opts.afterStop}`);
}

function channelError(e: Error, target: string): Error {
  return transportError(
    'TRANSPORT_UNREACHABLE',
    target,
    `SSH channel error (${e.message}).`,
    undefined,
    e,
  );
}

function closedBeforeExit(target: string, what: string): Error {
  return transportError(
    'TRANSPORT_UNREACHABLE',
    target,
    `the SSH channel closed before ${what} reported an exit status.`,
    'The connection dropped or sshd ended the session; check the host and run again.',
  );
}

/** Why execCommand failed before the command ran: no connection, or no channel. */
function openFailure(error: unknown, target: string): Error {
  const message = (error as Error).message;
  // ssh2's exec throws 'Not connected' when the socket is gone; node-ssh says 'Not connected to
  // server' once the connection closed.
  if (/^Not connected/.test(message)) {
    return transportError(
      'TRANSPORT_UNREACHABLE',
      target,
      `the SSH connection is gone (${message}).`,
      'Check the host and run again.',
      error,
    );
  }
  return transportError(
    'TRANSPORT_UNREACHABLE',
    target,
    `could not open an SSH session channel (${message}).`,
    'The connection may have dropped or sshd refuses more sessions (MaxSessions).',
    error,
  );
}

function stderrText(chunks: readonly Buffer[], announced: boolean): string {
  const text = Buffer.concat(chunks).toString('utf8');
  return announced ? takePid(text).rest : text;
}
