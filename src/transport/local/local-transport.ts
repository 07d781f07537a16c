// The sh transport for this machine: `sh -c <script>` (or `sudo -n -- sh -c`) through execa, with
// the same semantics as the SSH transport, so playbooks cannot tell them apart.
import { assertSuccess, isSudoRefusal, sudoPasswordError } from '../classify.js';
import { putFileScript, removeScript } from '../../shell/index.js';
import {
  type ExecOptions,
  type ExecResult,
  type PutFileOptions,
  type Transport,
} from '../types.js';
import { type Host } from '../../inventory/model.js';
import { runProcess } from './run-process.js';

export class LocalTransport implements Transport {
  readonly shell = 'sh' as const;
  readonly target: string;

  constructor(private readonly host: Host) {
    this.target = `${host.name} (local)`;
  }

  connect(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    return Promise.resolve();
  }

  async exec(script: string, options: ExecOptions & { what?: string } = {}): Promise<ExecResult> {
    const sudo = this.host.transport.sudo;
    const [file, args] = sudo ? ['sudo', ['-n', '--', 'sh', '-c', script]] : ['sh', ['-c', script]];
    const result = await runProcess(file, args, {
      target: this.target,
      what: options.what ?? 'command',
      timeoutMs: options.timeoutMs ?? this.host.transport.commandTimeoutMs,
      ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      missingHint: sudo ? 'Install sudo, or run certroll as a user that needs none.' : undefined,
    });
    if (sudo && isSudoRefusal(result)) {
      throw sudoPasswordError(this.target, this.host.transport.user ?? 'this user', result.stderr);
    }
    return result;
  }

  async putFile(path: string, data: string | Buffer, options: PutFileOptions): Promise<void> {
    const what = `writing ${path}`;
    const result = await this.exec(putFileScript(path, options.mode), {
      stdin: data,
      what,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    assertSuccess(result, what, this.target);
  }

  async remove(path: string, signal?: AbortSignal): Promise<void> {
    const what = `removing ${path}`;
    const result = await this.exec(removeScript(path), {
      what,
      ...(signal === undefined ? {} : { signal }),
    });
    assertSuccess(result, what, this.target);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
