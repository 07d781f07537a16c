// The sh transport over SSH: scripts run by the login shell (or `sudo -n -- sh -c`), files
// written through stdin by a quoted script, never through argv.
import { assertSuccess, isSudoRefusal, sudoPasswordError, transportError } from '../classify.js';
import { putFileScript, removeScript, sudoWrap, tempPathFor } from '../../shell/index.js';
import {
  type ExecOptions,
  type ExecResult,
  type PutFileOptions,
  type Transport,
} from '../types.js';
import { type Host } from '../../inventory/model.js';
import { SshSession, optional, type SshSessionDeps } from './session.js';

export class SshTransport implements Transport {
  readonly shell = 'sh' as const;
  readonly session: SshSession;

  constructor(
    private readonly host: Host,
    deps: SshSessionDeps = {},
  ) {
    this.session = new SshSession(host, deps);
  }

  get target(): string {
    return this.session.target;
  }

  get isOpen(): boolean {
    return this.session.isOpen;
  }

  private get user(): string {
    return this.host.transport.user ?? 'the SSH user';
  }

  async connect(signal?: AbortSignal): Promise<void> {
    await this.session.connect(signal);
    if (!this.host.transport.sudo) return;
    // Find out now, in pre-flight, whether sudo works without a password.
    const probe = await this.session.run(sudoWrap('true'), {
      what: 'sudo check',
      killVia: sudoWrap,
      ...optional('signal', signal),
    });
    if (isSudoRefusal(probe)) throw sudoPasswordError(this.target, this.user, probe.stderr);
    if (probe.exitCode !== 0) {
      throw transportError(
        'TRANSPORT_COMMAND_FAILED',
        this.target,
        `sudo -n true failed with exit code ${probe.exitCode} (${probe.stderr.trim()}).`,
        probe.exitCode === 127
          ? 'sudo is not installed on the host; install it or log in as root.'
          : 'Check the sudoers rules for the SSH user.',
      );
    }
  }

  async exec(
    script: string,
    options: ExecOptions & { what?: string; afterStop?: string } = {},
  ): Promise<ExecResult> {
    const sudo = this.host.transport.sudo;
    const result = await this.session.run(sudo ? sudoWrap(script) : script, {
      ...options,
      killVia: sudo ? sudoWrap : (kill) => kill,
    });
    if (this.host.transport.sudo && isSudoRefusal(result)) {
      throw sudoPasswordError(this.target, this.user, result.stderr);
    }
    return result;
  }

  async putFile(path: string, data: string | Buffer, options: PutFileOptions): Promise<void> {
    const what = `writing ${path}`;
    const temp = tempPathFor(path);
    const result = await this.exec(putFileScript(path, options.mode, temp), {
      stdin: data,
      what,
      // The script's trap removes the temp file; this covers a script killed before its trap ran.
      afterStop: removeScript(temp),
      ...optional('signal', options.signal),
    });
    assertSuccess(result, what, this.target);
  }

  async remove(path: string, signal?: AbortSignal): Promise<void> {
    const what = `removing ${path}`;
    const result = await this.exec(removeScript(path), { what, ...optional('signal', signal) });
    assertSuccess(result, what, this.target);
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
