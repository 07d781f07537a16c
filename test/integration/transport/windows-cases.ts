// What both Windows transports must do alike, run for real: PowerShell 7.6 on a simulated Windows
// host over the lab's sshd (test/lab/windows). One file per transport runs these cases, so the
// two run in parallel.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  WINDOWS_DISCOVER_SCRIPT,
  windowsDiscoverInput,
} from '../../../src/discover/windows/script.js';
import { type Host } from '../../../src/inventory/model.js';
import { type Transport } from '../../../src/transport/types.js';
import { acquireHostLock, releaseHostLock } from '../../../src/workflow/host-lock.js';
import { startWindowsHost, type WindowsHost } from '../../lab/windows/host.js';

export function windowsTransportCases(
  name: string,
  hostOf: (win: WindowsHost) => Host,
  make: (host: Host, win: WindowsHost) => Transport,
  /** Cases whose path is the same on both transports run on one (pwsh starts cost CPU). */
  options: { shared?: boolean } = {},
): void {
  let win: WindowsHost;
  let t: Transport;
  let scriptMs = 0;

  beforeAll(async () => {
    win = await startWindowsHost();
    // The simulation's icacls.exe models machine key files only (and refuses a path that is not
    // a Windows one): a stand-in first on PATH records what put-file asks of it instead.
    win.labHost.addShim(
      'icacls.exe',
      `#!/bin/sh\nprintf '%s\\n' "$*" >> '${win.simRoot}/log/icacls.args'\n`,
    );
    t = make(hostOf(win), win);
    await t.connect();
  }, 150_000);
  afterAll(async () => {
    await t?.close();
    await win?.stop();
  });

  describe(`${name} against a simulated Windows host (real pwsh 7.6)`, () => {
    it('gives the script its data as $certrollInput; a native non-zero exit is data; stderr stays stderr', async () => {
      const started = performance.now();
      const input = { thumb: 'AB12', text: 'ünï ✓ \'q\' "dq" $(x) `t' };
      const r = await t.exec(
        [
          "$ErrorActionPreference = 'Stop'",
          '"thumb=$($certrollInput.thumb)"',
          '"text=$($certrollInput.text)"',
          'taskkill.exe /PID 999999',
          '"native=$LASTEXITCODE"',
          "Write-Error 'a reported problem' -ErrorAction Continue",
          "'done'",
        ].join('\n'),
        { stdin: JSON.stringify(input), timeoutMs: 60_000 },
      );
      expect(r.stdout).toBe(`thumb=AB12\ntext=${input.text}\nnative=128\ndone\n`);
      expect(r.exitCode).toBe(0);
      expect(r.stderr).toContain('ERROR: The process "999999" not found.');
      expect(r.stderr).toContain('a reported problem');
      expect(r.stderr).not.toContain('certroll-pid:');
      // Plain text: neither PowerShell's CLIXML error serialization nor colour escapes.
      expect(r.stderr).not.toContain('CLIXML');
      expect(r.stderr).not.toContain('\u001b');
      // How long one script takes here (a pwsh start, two for remoting): the timeout test's scale.
      scriptMs = performance.now() - started;
    }, 150_000);

    it("returns a script's exit N as N, and gives a script without input $null", async () => {
      // A command that is not found ends its statement, not the script.
      const script =
        'certroll-no-such-command\n"input is null: $($null -eq $certrollInput)"\nexit 7';
      const r = await t.exec(script, { timeoutMs: 60_000 });
      expect(r).toMatchObject({ exitCode: 7, stdout: 'input is null: True\n' });
      expect(r.stderr).toContain('certroll-no-such-command');
      // As `powershell -EncodedCommand` does: a failed last statement without exit is 1.
      const last = await t.exec('taskkill.exe /PID 999999', { timeoutMs: 60_000 });
      expect(last.exitCode).toBe(1);
    }, 150_000);

    it.runIf(options.shared === true)(
      'gives the discovery script its limit',
      async () => {
        const r = await t.exec(WINDOWS_DISCOVER_SCRIPT, {
          stdin: windowsDiscoverInput(3),
          timeoutMs: 60_000,
        });
        expect((JSON.parse(r.stdout) as { limit: number }).limit).toBe(3);
      },
      150_000,
    );

    it('takes, refuses and releases the host lock', async () => {
      const path = join(win.simRoot, 'ProgramData', 'certroll.lock');
      await acquireHostLock(t, 'run-a', path);
      expect(readFileSync(join(path, 'owner'), 'utf8')).toBe('run-a');
      await expect(acquireHostLock(t, 'run-b', path)).rejects.toMatchObject({
        code: 'LOCK_HELD',
        message: expect.stringContaining('held by run run-a') as unknown,
      });
      await releaseHostLock(t, 'run-a', path);
      expect(existsSync(path)).toBe(false);
    }, 150_000);

    it('writes a private file atomically and removes it', async () => {
      const path = join(win.simRoot, 'staged.pfx');
      const bytes = Buffer.from([0x30, 0x82, 0x00, 0xff, 0x0a, 0x0d, 0x00, 0x41]);
      await t.putFile(path, bytes, { mode: 0o600 });
      expect(readFileSync(path).equals(bytes)).toBe(true);
      // Restricted to SYSTEM and Administrators while still empty, under its temp name.
      expect(readFileSync(join(win.simRoot, 'log', 'icacls.args'), 'utf8')).toMatch(
        /\/\.certroll-[0-9a-f]{32}\.tmp \/inheritance:r \/grant:r \*S-1-5-18:\(F\) \*S-1-5-32-544:\(F\)\n$/,
      );
      await t.remove(path);
      expect(existsSync(path)).toBe(false);
    }, 150_000);

    it('ends a timed-out script on the host with everything it started', async () => {
      const marker = `sleep ${300 + Math.floor(Math.random() * 1000)}.5`;
      // pwsh starts it as /usr/bin/sleep: match the end of the command line.
      const sleeping = (): boolean => win.processes().some((p) => p.command.endsWith(marker));
      let seen = false;
      const watch = setInterval(() => (seen ||= sleeping()), 100);
      // Long enough for the script to start (as measured), short enough for a test.
      const timeoutMs = Math.round(2 * (scriptMs || 10_000) + 2_000);
      try {
        await expect(t.exec(`& ${marker}\n'not reached'`, { timeoutMs })).rejects.toMatchObject({
          code: 'TRANSPORT_TIMEOUT',
        });
      } finally {
        clearInterval(watch);
      }
      expect(seen).toBe(true);
      for (let i = 0; i < 100 && sleeping(); i++) await new Promise((r) => setTimeout(r, 100));
      expect(sleeping()).toBe(false);
      // Nothing of the script is left in the host's temp folder (remoting runs it from a file).
      const left = readdirSync(join(win.simRoot, 'temp')).filter((f) => f.startsWith('certroll-'));
      expect(left).toEqual([]);
    }, 150_000);
  });
}
