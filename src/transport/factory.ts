// Builds the transport an inventory host asks for. The composition root (cli) calls this with the
// real dependencies; tests pass fakes.
import { type Host } from '../inventory/model.js';
import { LocalTransport } from './local/local-transport.js';
import { PowerShellSshTransport, type PowerShellSshDeps } from './powershell/powershell-ssh.js';
import { PwshRemotingTransport, type PwshRemotingDeps } from './powershell/pwsh-remoting.js';
import { SshTransport } from './ssh/ssh-transport.js';
import { type SshSessionDeps } from './ssh/session.js';
import { type Transport } from './types.js';

export type TransportDeps = SshSessionDeps &
  Omit<PowerShellSshDeps, 'session'> &
  Omit<PwshRemotingDeps, 'exe'> & {
    /** The PowerShell executable for powershell-ssh hosts (default `powershell`). */
    readonly remotePowerShell?: string;
    /** The local pwsh for pwsh-remoting (default `pwsh` from PATH). */
    readonly localPwsh?: string;
  };

export function createTransport(host: Host, deps: TransportDeps = {}): Transport {
  switch (host.transport.kind) {
    case 'ssh':
      return new SshTransport(host, deps);
    case 'powershell-ssh':
      return new PowerShellSshTransport(host, {
        ...deps,
        ...(deps.remotePowerShell === undefined ? {} : { exe: deps.remotePowerShell }),
      });
    case 'pwsh-remoting':
      return new PwshRemotingTransport(host, {
        ...deps,
        ...(deps.localPwsh === undefined ? {} : { exe: deps.localPwsh }),
      });
    case 'local':
      return new LocalTransport(host);
  }
}
