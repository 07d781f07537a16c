// The simulated Windows host itself: real pwsh behind the host's `powershell`, the simulation's
// environment, and PowerShell's log captured per host. (Remoting through its `powershell` sshd
// subsystem is exercised by test/integration/transport/windows-pwsh-remoting.test.ts.)
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PowerShellSshTransport } from '../../../src/transport/powershell/powershell-ssh.js';
import { SIM_MODULES, startWindowsHost, type WindowsHost } from '../../lab/windows/host.js';

let win: WindowsHost;
let ps: PowerShellSshTransport;

beforeAll(async () => {
  win = await startWindowsHost({ computerName: 'BC01', build: '2016', locale: 'de' });
  ps = new PowerShellSshTransport(win.powershellSsh);
  await ps.connect();
}, 60_000);
afterAll(async () => {
  await ps?.close();
  await win?.stop();
});

describe('the simulated Windows host', () => {
  it('runs real PowerShell 7.6 with the simulation, and logs its script blocks per host', async () => {
    const marker = `marker-${Date.now()}`;
    const r = await ps.exec(
      [
        `$m = '${marker}'`,
        '"$($PSVersionTable.PSVersion)|$env:CERTROLL_WINSIM|$env:PSModulePath"',
        '(Get-Content (Join-Path $env:CERTROLL_WINSIM host.json) -Raw | ConvertFrom-Json).build',
        'exit 7',
      ].join('\n'),
      { timeoutMs: 120_000 },
    );
    expect(r.exitCode).toBe(7);
    const [version, root, modulePath] = r.stdout.split('\n')[0]!.split('|');
    expect(version).toBe('7.6.10');
    expect(root).toBe(win.simRoot);
    expect(modulePath!.split(':')).toContain(SIM_MODULES);
    expect(r.stdout.split('\n')[1]).toBe('2016');
    // syslog is written as the script runs; the listener appends as it reads.
    for (let i = 0; i < 50 && !win.log().includes(marker); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(win.log()).toContain(marker);
    expect(win.log()).toContain('certroll-winsim-BC01');
    // Only the host's own namespace has a /dev/log: the machine's is untouched.
    expect(() => execFileSync('test', ['-e', '/dev/log'])).toThrow();
  }, 120_000);
});
