// One SSH session to one inventory host: resolves its secrets, connects with the host key policy,
// runs raw command lines. The sh and PowerShell transports both sit on top of it.
import { userInfo } from 'node:os';
import { type NodeSSH } from 'node-ssh';
import { transportError } from '../classify.js';
import { resolveSecret, type ResolvedSecret } from '../secrets.js';
import { type ExecOptions, type ExecResult } from '../types.js';
import { type Host, type SecretRef } from '../../inventory/model.js';
import { openSsh, type SshHandshakeTrace } from './connect.js';
import { execOnChannel } from './exec.js';

export interface SshSessionDeps {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly resolveSecret?: (
    ref: SecretRef,
    env?: Readonly<Record<string, string | undefined>>,
  ) => Promise<ResolvedSecret>;
  /** Called with every secret value resolved, so the logger can redact it. */
  readonly onSecret?: (redact: readonly string[]) => void;
  readonly keepaliveIntervalMs?: number;
  readonly keepaliveCountMax?: number;
  /**
   * Channels open at once on one connection. OpenSSH's MaxSessions defaults to 10; staying
   * below it leaves room for the channels that kill stopped commands.
   */
  readonly maxChannels?: number;
}

export function targetOf(host: Host): string {
  return `${host.name} (${host.address}:${host.transport.port})`;
}

export class SshSession {
  readonly target: string;
  /** Whether the host key check ran and whether authentication started (for tests). */
  readonly trace: SshHandshakeTrace = {
    verifierRan: false,
    hostKeyRefused: false,
    authStarted: false,
  };
  private ssh: NodeSSH | undefined;
  /** A connection was opened (a later refusal says "lost", not "not connected"). */
  private opened = false;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly host: Host,
    private readonly deps: SshSessionDeps = {},
  ) {
    this.target = targetOf(host);
  }

  /** Connected and not closed or lost since. */
  get isOpen(): boolean {
    // node-ssh forgets its connection once it ends or closes.
    return this.ssh?.isConnected() === true;
  }

  /** Connected once, and that connection was closed or lost. */
  private get lost(): boolean {
    return this.opened && !this.isOpen;
  }

  private async secret(ref: SecretRef | undefined): Promise<string | undefined> {
    if (ref === undefined) return undefined;
    const resolve = this.deps.resolveSecret ?? resolveSecret;
    const { value, redact } = await resolve(ref, this.deps.env ?? process.env);
    this.deps.onSecret?.(redact);
    return value;
  }

  async connect(signal?: AbortSignal): Promise<void> {
    if (this.ssh !== undefined) return;
    const t = this.host.transport;
    const env = this.deps.env ?? process.env;
    this.ssh = await openSsh(
      {
        target: this.target,
        address: this.host.address,
        port: t.port,
        // As OpenSSH: without a user, the local login name.
        username: t.user ?? userInfo().username,
        hostKey: {
          knownHosts: t.knownHosts,
          ...(t.hostKeyFingerprint === undefined ? {} : { fingerprint: t.hostKeyFingerprint }),
        },
        ...(t.identityFile === undefined ? {} : { identityFile: t.identityFile }),
        ...optional('passphrase', await this.secret(t.identityPassphrase)),
        ...optional('password', await this.secret(t.password)),
        ...optional('agentSocket', env.SSH_AUTH_SOCK),
        connectTimeoutMs: t.connectTimeoutMs,
        ...optional('keepaliveIntervalMs', this.deps.keepaliveIntervalMs),
        ...optional('keepaliveCountMax', this.deps.keepaliveCountMax),
      },
      signal,
      this.trace,
    );
    this.opened = true;
  }

  /** Runs `command` exactly as given (no sudo, no wrapping). */
  async run(
    command: string,
    options: ExecOptions & {
      what?: string;
      killVia?: (kill: string) => string;
      afterStop?: string;
      killCommandFor?: (pid: number) => string;
    } = {},
  ): Promise<ExecResult> {
    if (!this.isOpen) throw this.notConnected();
    await this.acquire();
    try {
      return await this.runNow(command, options);
    } finally {
      this.release();
    }
  }

  private notConnected(): Error {
    return transportError(
      'TRANSPORT_UNREACHABLE',
      this.target,
      this.lost ? 'the SSH connection was lost.' : 'not connected.',
      'Connect first; if the connection dropped, check the host and run again.',
    );
  }

  private async acquire(): Promise<void> {
    const max = this.deps.maxChannels ?? 8;
    // Each pass waits for one release; bounded by the number of commands queued before us.
    while (this.active >= max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
  }

  private release(): void {
    this.active--;
    this.waiting.shift()?.();
  }

  private async runNow(
    command: string,
    options: ExecOptions & {
      what?: string;
      killVia?: (kill: string) => string;
      afterStop?: string;
      killCommandFor?: (pid: number) => string;
    },
  ): Promise<ExecResult> {
    // Checked again: the connection may have gone while this command waited for a channel.
    const ssh = this.ssh;
    if (ssh === undefined || !ssh.isConnected()) throw this.notConnected();
    const run = (): Promise<ExecResult> =>
      execOnChannel(ssh, this.target, command, {
        timeoutMs: options.timeoutMs ?? this.host.transport.commandTimeoutMs,
        ...optional('stdin', options.stdin),
        ...optional('signal', options.signal),
        ...optional('what', options.what),
        ...optional('killVia', options.killVia),
        ...optional('afterStop', options.afterStop),
        ...optional('killCommandFor', options.killCommandFor),
      });
    // sshd frees a session slot a moment after the channel closed; a refused channel open means
    // the command never started, so trying again is safe. Bounded: 10 tries, about 1.4 s.
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        if (attempt >= 10 || !isChannelOpenRefusal(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 25 * attempt));
      }
    }
  }

  close(): Promise<void> {
    // node-ssh's dispose() ends the connection without waiting for it to close: wait on the ssh2
    // connection underneath, so a closed session has let go of its socket.
    const client = this.ssh?.connection ?? null;
    this.ssh?.dispose();
    this.ssh = undefined;
    if (client === null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 2_000);
      timer.unref();
      client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** `{ key: value }` when value is defined, `{}` otherwise (exactOptionalPropertyTypes-safe). */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function isChannelOpenRefusal(error: unknown): boolean {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return cause instanceof Error && /Channel open failure/i.test(cause.message);
}
