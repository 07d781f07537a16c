// PowerShell over SSH (Windows OpenSSH): every script runs as
// `powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand <static script>`
// with its data as JSON on stdin (read by the prelude into $certrollInput). The SSH session is a seam so tests can see what is sent.
import { SshSession, type SshSessionDeps } from '../ssh/session.js';
import {
  type ExecOptions,
  type ExecResult,
  type PutFileOptions,
  type Transport,
} from '../types.js';
import { type Host } from '../../inventory/model.js';
import { powershellCommandLine, psKillTreeCommand } from '../../shell/index.js';
import { psPutFile, psRemove } from './file-ops.js';

/** What the transport needs from an SSH session: the real one, or a fake in tests. */
export interface RemoteSession {
  readonly target: string;
  /** False once the connection was closed or lost; a fake may leave it out. */
  readonly isOpen?: boolean;
  connect(signal?: AbortSignal): Promise<void>;
  run(
    command: string,
    options?: ExecOptions & { what?: string; killCommandFor?: (pid: number) => string },
  ): Promise<ExecResult>;
  close(): Promise<void>;
}

export interface PowerShellSshDeps extends SshSessionDeps {
  readonly session?: RemoteSession;
  /** The PowerShell executable on the host (`powershell`, or `pwsh` for PowerShell 7). */
  readonly exe?: string;
}

export class PowerShellSshTransport implements Transport {
  readonly shell = 'powershell' as const;
  private readonly session: RemoteSession;
  private readonly exe: string;

  constructor(host: Host, deps: PowerShellSshDeps = {}) {
    this.session = deps.session ?? new SshSession(host, deps);
    this.exe = deps.exe ?? 'powershell';
  }

  get target(): string {
    return this.session.target;
  }

  get isOpen(): boolean {
    return this.session.isOpen !== false;
  }

  connect(signal?: AbortSignal): Promise<void> {
    return this.session.connect(signal);
  }

  exec(script: string, options: ExecOptions & { what?: string } = {}): Promise<ExecResult> {
    // The prelude announces the script's process id: a stopped or timed-out script is ended on the
    // host with everything it started, not only its channel closed (which leaves it running).
    return this.session.run(powershellCommandLine(script, this.exe), {
      ...options,
      killCommandFor: psKillTreeCommand,
    });
  }

  putFile(path: string, data: string | Buffer, options: PutFileOptions): Promise<void> {
    return psPutFile((script, o) => this.exec(script, o), this.target, path, data, options);
  }

  remove(path: string, signal?: AbortSignal): Promise<void> {
    return psRemove((script, o) => this.exec(script, o), this.target, path, signal);
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
