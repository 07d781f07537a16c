// PowerShell remoting from this machine: local `pwsh` runs a static wrapper given as
// -EncodedCommand; how to reach the host, the credential, the script and its input go as one JSON
// document on stdin. (`-Command -` would make everything on stdin script text, which script-block
// logging records, credential included.) Two ways to the host, as the inventory says (`via`):
// WinRM (`-ComputerName`, HTTPS on 5986 unless `tls: false`) and SSH (`-HostName`, the host's
// `powershell` sshd subsystem). The process runner is injectable for tests.
import { CertrollError } from '../../errors.js';
import { classifyRemotingFailure, assertSuccess } from '../classify.js';
import { runProcess, type RunProcessOptions } from '../local/run-process.js';
import { resolveSecret, type ResolvedSecret } from '../secrets.js';
import {
  type ExecOptions,
  type ExecResult,
  type PutFileOptions,
  type Transport,
} from '../types.js';
import { type Host, type SecretRef } from '../../inventory/model.js';
import {
  POWERSHELL_ARGS,
  PS_REMOTE_PRELUDE,
  encodeCommand,
  jsonInput,
  psKillTreeCommand,
} from '../../shell/index.js';
import { PWSH_REMOTING_WRAPPER, type RemotingRequest } from './remoting-wrapper.js';
import { psPutFile, psRemove } from './file-ops.js';

export type ProcessRunner = (
  file: string,
  args: readonly string[],
  opts: RunProcessOptions,
) => Promise<ExecResult>;

export interface PwshRemotingDeps {
  readonly run?: ProcessRunner;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly resolveSecret?: (
    ref: SecretRef,
    env?: Readonly<Record<string, string | undefined>>,
  ) => Promise<ResolvedSecret>;
  readonly onSecret?: (redact: readonly string[]) => void;
  /** Where a warning about the connection goes (WinRM over plain HTTP); stderr by default. */
  readonly onWarning?: (message: string) => void;
  readonly exe?: string;
}

export const PWSH_MISSING_HINT =
  'Install PowerShell 7 (pwsh) on this machine (it is not in Debian: see ' +
  'https://learn.microsoft.com/powershell/scripting/install/install-debian, or as a .NET tool: ' +
  'dotnet tool install PowerShell --version 7.6.10 --tool-path DIR), or reach the host with the ' +
  'powershell-ssh transport instead.';

/** How long a stopped script's kill may take on top of connecting. */
const KILL_EXTRA_MS = 15_000;

/** The exact argv of the local pwsh: static, so it can be logged and shown. */
export function pwshRemotingArgs(): string[] {
  // -ExecutionPolicy is Windows-only; the wrapper runs where pwsh runs (Linux, macOS or Windows).
  return [
    ...POWERSHELL_ARGS.filter((a) => a !== '-ExecutionPolicy' && a !== 'Bypass'),
    encodeCommand(PWSH_REMOTING_WRAPPER),
  ];
}

/** The text a remote script runs as: the prelude that reads its input, then the script. */
export function remoteScript(script: string): string {
  return `${PS_REMOTE_PRELUDE}\n${script}`;
}

function describeWay(host: Host): string {
  const t = host.transport;
  if (t.via === 'ssh') return 'PowerShell remoting over SSH';
  return t.tls === false ? 'WinRM over HTTP' : 'WinRM over HTTPS';
}

export class PwshRemotingTransport implements Transport {
  readonly shell = 'powershell' as const;
  readonly target: string;
  private readonly run: ProcessRunner;
  private password: string | undefined;
  private warned = false;

  constructor(
    private readonly host: Host,
    private readonly deps: PwshRemotingDeps = {},
  ) {
    this.target = `${host.name} (${host.address}:${host.transport.port}, ${describeWay(host)})`;
    this.run = deps.run ?? runProcess;
  }

  async connect(signal?: AbortSignal): Promise<void> {
    this.checkSupported();
    this.warnPlainHttp();
    const ref = this.host.transport.password;
    if (ref !== undefined && this.password === undefined && this.host.transport.via !== 'ssh') {
      const { value, redact } = await (this.deps.resolveSecret ?? resolveSecret)(
        ref,
        this.deps.env ?? process.env,
      );
      this.deps.onSecret?.(redact);
      this.password = value;
    }
    // Reaching the computer with the credential is the connection check.
    const result = await this.exec('exit 0', {
      what: 'remoting check',
      ...(signal === undefined ? {} : { signal }),
    });
    assertSuccess(result, 'remoting check', this.target);
  }

  /** What remoting over SSH cannot do: ssh runs without a terminal, so it cannot ask. */
  private checkSupported(): void {
    const t = this.host.transport;
    if (t.via !== 'ssh') return;
    const refuse = (what: string, hint: string): never => {
      throw new CertrollError('TRANSPORT_AUTH', `${this.target}: ${what}`, {
        hint,
        ...this.host.origin,
      });
    };
    if (t.password !== undefined || t.identityPassphrase !== undefined) {
      refuse(
        'PowerShell remoting over SSH cannot use a password or an encrypted identity file (ssh would have to prompt).',
        'Use an unencrypted identityFile for this host (or the ssh transport kinds, which read the passphrase).',
      );
    }
    if (t.hostKeyFingerprint !== undefined) {
      refuse(
        'PowerShell remoting over SSH checks host keys with ssh and known_hosts; a pinned hostKeyFingerprint cannot be enforced.',
        'List the host key in a knownHosts file instead of hostKeyFingerprint.',
      );
    }
    const spaced = t.knownHosts.find((p) => /\s/.test(p));
    if (spaced !== undefined) {
      refuse(
        `the known_hosts path ${JSON.stringify(spaced)} contains whitespace, which ssh's UserKnownHostsFile cannot take.`,
        'Move the known_hosts file to a path without spaces.',
      );
    }
  }

  private warnPlainHttp(): void {
    const t = this.host.transport;
    if (t.via === 'ssh' || t.tls !== false || this.warned) return;
    this.warned = true;
    const message =
      `${this.target}: WinRM over plain HTTP (tls: false): the server is not authenticated by a ` +
      'certificate; use HTTPS (port 5986, the default) where the host has a WinRM HTTPS listener.';
    (this.deps.onWarning ?? ((m: string) => process.stderr.write(`certroll: warning: ${m}\n`)))(
      message,
    );
  }

  private request(script: string, input: string): RemotingRequest {
    const t = this.host.transport;
    const common = {
      computer: this.host.address,
      port: t.port,
      script: remoteScript(script),
      input,
    };
    if (t.via === 'ssh') {
      return {
        via: 'ssh',
        ...common,
        ...(t.user === undefined ? {} : { user: t.user }),
        ...(t.identityFile === undefined ? {} : { keyFile: t.identityFile }),
        knownHosts: t.knownHosts,
        connectTimeoutSec: Math.max(1, Math.ceil(t.connectTimeoutMs / 1000)),
      };
    }
    return {
      via: 'winrm',
      ...common,
      tls: t.tls !== false,
      ...(t.user === undefined ? {} : { user: t.user, password: this.password ?? '' }),
    };
  }

  async exec(script: string, options: ExecOptions & { what?: string } = {}): Promise<ExecResult> {
    const input = options.stdin === undefined ? '' : options.stdin.toString('utf8');
    let remotePid: number | undefined;
    let seen = '';
    const timeoutMs = options.timeoutMs ?? this.host.transport.commandTimeoutMs;
    try {
      const result = await this.run(this.deps.exe ?? 'pwsh', pwshRemotingArgs(), {
        target: this.target,
        what: options.what ?? 'PowerShell script',
        stdin: jsonInput(this.request(script, input)),
        timeoutMs,
        missingHint: PWSH_MISSING_HINT,
        onStderr: (chunk) => {
          if (remotePid !== undefined) return;
          seen += chunk;
          remotePid = takeRemotePid(seen).pid;
        },
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      const failure = classifyRemotingFailure(result, this.target);
      if (failure !== undefined) throw failure;
      return { ...result, stderr: takeRemotePid(result.stderr).rest };
    } catch (error) {
      // Stopped (timeout or cancel) after the script started: end it on the host too, since
      // killing the local pwsh only drops the connection.
      const code = (error as { code?: unknown }).code;
      if (
        remotePid !== undefined &&
        (code === 'TRANSPORT_TIMEOUT' || code === 'TRANSPORT_ABORTED')
      ) {
        await this.killRemote(remotePid);
      }
      throw error;
    }
  }

  /** Ends remote process `pid` and its children over a new session; never throws. */
  private async killRemote(pid: number): Promise<void> {
    try {
      await this.run(this.deps.exe ?? 'pwsh', pwshRemotingArgs(), {
        target: this.target,
        what: `stopping remote process ${pid}`,
        stdin: jsonInput(this.request(psKillTreeCommand(pid), '')),
        timeoutMs: this.host.transport.connectTimeoutMs + KILL_EXTRA_MS,
        missingHint: PWSH_MISSING_HINT,
      });
    } catch {
      // Best effort: the host may be gone; the step has failed either way.
    }
  }

  putFile(path: string, data: string | Buffer, options: PutFileOptions): Promise<void> {
    return psPutFile((script, o) => this.exec(script, o), this.target, path, data, options);
  }

  remove(path: string, signal?: AbortSignal): Promise<void> {
    return psRemove((script, o) => this.exec(script, o), this.target, path, signal);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const PID_LINE = /^certroll-pid:(\d+)\r?\n/m;

/** The wrapper's announcement of the remote process id, and stderr without it. */
export function takeRemotePid(stderr: string): { pid: number | undefined; rest: string } {
  const m = PID_LINE.exec(stderr);
  if (m === null) return { pid: undefined, rest: stderr };
  return {
    pid: Number(m[1]),
    rest: stderr.slice(0, m.index) + stderr.slice(m.index + m[0].length),
  };
}
