// PowerShell remoting (WinRM) from this machine: local `pwsh` runs a static wrapper given as
// -EncodedCommand; the playbook script, its input and the credential go as one JSON document on
// stdin. (`-Command -` would make everything on stdin script text, which script-block logging
// records, credential included.) The process runner is injectable for tests.
import { classifyRemotingFailure } from '../classify.js';
import { runProcess, type RunProcessOptions } from '../local/run-process.js';
import { resolveSecret, type ResolvedSecret } from '../secrets.js';
import {
  type ExecOptions,
  type ExecResult,
  type PutFileOptions,
  type Transport,
} from '../types.js';
import { type Host, type SecretRef } from '../../inventory/model.js';
import { POWERSHELL_ARGS, encodeCommand, jsonInput } from '../../shell/index.js';
import { PWSH_REMOTING_WRAPPER, type RemotingRequest } from './remoting-wrapper.js';
import { psPutFile, psRemove } from './file-ops.js';
import { assertSuccess } from '../classify.js';

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
  readonly exe?: string;
}

export const PWSH_MISSING_HINT =
  'Install PowerShell 7 (pwsh) on this machine (it is not in Debian: see ' +
  'https://learn.microsoft.com/powershell/scripting/install/install-debian), or reach the ' +
  'host with the powershell-ssh transport instead.';

/** The exact argv of the local pwsh: static, so it can be logged and shown. */
export function pwshRemotingArgs(): string[] {
  // -ExecutionPolicy is Windows-only; the wrapper runs where pwsh runs (Linux, macOS or Windows).
  return [
    ...POWERSHELL_ARGS.filter((a) => a !== '-ExecutionPolicy' && a !== 'Bypass'),
    encodeCommand(PWSH_REMOTING_WRAPPER),
  ];
}

export class PwshRemotingTransport implements Transport {
  readonly shell = 'powershell' as const;
  readonly target: string;
  private readonly run: ProcessRunner;
  private password: string | undefined;

  constructor(
    private readonly host: Host,
    private readonly deps: PwshRemotingDeps = {},
  ) {
    this.target = `${host.name} (${host.address}:${host.transport.port}, WinRM)`;
    this.run = deps.run ?? runProcess;
  }

  async connect(signal?: AbortSignal): Promise<void> {
    const ref = this.host.transport.password;
    if (ref !== undefined && this.password === undefined) {
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

  async exec(script: string, options: ExecOptions & { what?: string } = {}): Promise<ExecResult> {
    const t = this.host.transport;
    const request: RemotingRequest = {
      computer: this.host.address,
      port: t.port,
      ...(t.user === undefined ? {} : { user: t.user, password: this.password ?? '' }),
      script,
      input: options.stdin === undefined ? '' : options.stdin.toString('utf8'),
    };
    const result = await this.run(this.deps.exe ?? 'pwsh', pwshRemotingArgs(), {
      target: this.target,
      what: options.what ?? 'PowerShell script',
      stdin: jsonInput(request),
      timeoutMs: options.timeoutMs ?? t.commandTimeoutMs,
      missingHint: PWSH_MISSING_HINT,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const failure = classifyRemotingFailure(result, this.target);
    if (failure !== undefined) throw failure;
    return result;
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
