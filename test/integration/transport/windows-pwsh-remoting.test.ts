// PowerShell remoting (`Invoke-Command -HostName`, the host's `powershell` sshd subsystem) run for
// real against a simulated Windows host: the cases both Windows transports share
// (windows-cases.ts). WinRM itself cannot run here (docs/transports.md).
import { PwshRemotingTransport } from '../../../src/transport/powershell/pwsh-remoting.js';
import { windowsTransportCases } from './windows-cases.js';

windowsTransportCases(
  'pwsh-remoting over SSH',
  (win) => win.pwshRemoting,
  (host, win) => new PwshRemotingTransport(host, { exe: win.pwsh }),
);
