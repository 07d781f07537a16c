// PowerShell over SSH (`powershell -EncodedCommand`, data on stdin) run for real against a
// simulated Windows host: the cases both Windows transports share (windows-cases.ts).
import { PowerShellSshTransport } from '../../../src/transport/powershell/powershell-ssh.js';
import { windowsTransportCases } from './windows-cases.js';

windowsTransportCases(
  'powershell-ssh',
  (win) => win.powershellSsh,
  (host) => new PowerShellSshTransport(host),
);
