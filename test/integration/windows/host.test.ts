// The simulated Windows host itself: real pwsh behind the host's `powershell`, the simulation's
// environment, the `powershell` sshd subsystem, and PowerShell's log captured per host.
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
  it('runs real PowerShell 7.6 with the simulation root, the sim modules and exit codes', async () => {
    const r = await ps.exec(
      [
        '"$($PSVersionTable.PSVersion)|$env:CERTROLL_WINSIM|$env:PSModulePath|$((Get-Command netsh.exe -ErrorAction SilentlyContinue).Source)"',
        '(Get-Content (Join-Path $env:CERTROLL_WINSIM host.json) -Raw | ConvertFrom-Json).build',
        'exit 7',
      ].join('\n'),
      { timeoutMs: 60_000 },
    );
    expect(r.exitCode).toBe(7);
    const [version, root, modulePath] = r.stdout.split('\n')[0]!.split('|');
    expect(version).toBe('7.6.10');
    expect(root).toBe(win.simRoot);
    expect(modulePath!.split(':')).toContain(SIM_MODULES);
    expect(r.stdout.split('\n')[1]).toBe('2016');
  }, 60_000);

  it('logs script blocks into <simroot>/log, and only the host own /dev/log sees them', async () => {
    const marker = `marker-${Date.now()}`;
    await ps.exec(`$x = '${marker}'; $x | Out-Null`, { timeoutMs: 60_000 });
    // syslog is written as the script runs; the listener appends as it reads.
    for (let i = 0; i < 50 && !win.log().includes(marker); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(win.log()).toContain(marker);
    expect(win.log()).toContain('certroll-winsim-BC01');
    expect(() => execFileSync('test', ['-e', '/dev/log'])).toThrow();
  }, 60_000);

  it('serves PowerShell remoting over SSH through the powershell subsystem', () => {
    const t = win.pwshRemoting.transport;
    const script = [
      `$o = @{ UserKnownHostsFile = '${t.knownHosts[0]}'; StrictHostKeyChecking = 'yes'; BatchMode = 'yes' }`,
      `Invoke-Command -HostName ${win.address} -Port ${t.port} -UserName root -KeyFilePath '${t.identityFile}' -Options $o -ScriptBlock { "remote:$env:CERTROLL_WINSIM" }`,
    ].join('\n');
    const out = execFileSync(win.pwsh, ['-NoProfile', '-NonInteractive', '-Command', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(out.trim()).toBe(`remote:${win.simRoot}`);
  }, 60_000);
});
