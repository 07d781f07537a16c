// Runs one command on an open ssh2 connection: stdin written then closed, stdout and stderr
// collected, the exit status returned as data. A timeout or an abort ends the remote process
// group (see remote-kill.ts) and closes the channel.
import { constants } from 'node:os';
import { type Client, type ClientChannel } from 'ssh2';
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
}

function exitFromSignal(name: string | undefined): number {
  if (name === undefined) return 255;
  // ssh2 reports the signal as `SIGTERM`; the protocol's own form is `TERM`. Accept both.
  const full = name.startsWith('SIG') ? name : `SIG${name}`;
  const num = (constants.signals as Record<string, number | undefined>)[full];
  return num === undefined ? 255 : 128 + num;
}

export function execOnChannel(
  client: Client,
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
    const killCommand = (): string | undefined =>
      pid === undefined || opts.killVia === undefined
        ? undefined
        : opts.killVia(
            opts.afterStop === undefined
              ? killGroupCommand(pid)
              : `${killGroupCommand(pid)}; ${opts.afterStop}`,
          );
    const stop = (): void => {
      stopping = true;
      if (channel !== undefined) stopChannel(client, channel, killCommand());
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

    const sent = opts.killVia === undefined ? command : PID_ANNOUNCE + command;
    const onChannel = (err: Error | undefined, ch: ClientChannel): void => {
      if (err !== undefined && err !== null) {
        settle(
          transportError(
            'TRANSPORT_UNREACHABLE',
            target,
            `could not open an SSH session channel (${err.message}).`,
            'The connection may have dropped or sshd refuses more sessions (MaxSessions).',
            err,
          ),
        );
        return;
      }
      channel = ch;
      const out: Buffer[] = [];
      const errOut: Buffer[] = [];
      let code: number | undefined;
      ch.on('data', (d: Buffer) => out.push(d));
      ch.stderr.on('data', (d: Buffer) => {
        errOut.push(d);
        if (pid !== undefined || opts.killVia === undefined) return;
        pid = takePid(Buffer.concat(errOut).toString('utf8')).pid;
        // Stopped before the pid was known: kill now that it is.
        if (pid !== undefined && stopping) stopChannel(client, ch, killCommand());
      });
      if (settled) {
        stop();
        return;
      }
      ch.on('exit', (c: number | null, sig?: string) => {
        code = typeof c === 'number' ? c : exitFromSignal(sig);
      });
      ch.on('close', () => {
        if (code === undefined) {
          settle(
            transportError(
              'TRANSPORT_UNREACHABLE',
              target,
              `the SSH channel closed before ${what} reported an exit status.`,
              'The connection dropped or sshd ended the session; check the host and run again.',
            ),
          );
          return;
        }
        settle(undefined, {
          exitCode: code,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: stderrText(errOut, opts.killVia !== undefined),
          durationMs: Math.round(performance.now() - started),
        });
      });
      ch.on('error', (e: Error) =>
        settle(
          transportError(
            'TRANSPORT_UNREACHABLE',
            target,
            `SSH channel error (${e.message}).`,
            undefined,
            e,
          ),
        ),
      );
      // Always close stdin so a command that reads it cannot wait for more.
      if (opts.stdin === undefined) ch.end();
      else ch.end(opts.stdin);
    };
    try {
      client.exec(sent, onChannel);
    } catch (error) {
      // ssh2 throws synchronously when the socket is already gone.
      settle(
        transportError(
          'TRANSPORT_UNREACHABLE',
          target,
          `the SSH connection is gone (${(error as Error).message}).`,
          'Check the host and run again.',
          error,
        ),
      );
    }
  });
}

function stderrText(chunks: readonly Buffer[], announced: boolean): string {
  const text = Buffer.concat(chunks).toString('utf8');
  return announced ? takePid(text).rest : text;
}
