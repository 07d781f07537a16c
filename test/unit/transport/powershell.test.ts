import { describe, expect, it } from 'vitest';
import { type Host } from '../../../src/inventory/model.js';
import {
  PS_PRELUDE,
  PS_PID_ANNOUNCE,
  PS_READ_INPUT,
  PS_REMOTE_PRELUDE,
  PS_PUT_FILE,
  PS_REMOVE,
  decodeCommand,
  powershellCommandLine,
} from '../../../src/shell/index.js';
import {
  PowerShellSshTransport,
  type RemoteSession,
} from '../../../src/transport/powershell/powershell-ssh.js';
import {
  PWSH_REMOTING_WRAPPER,
  type RemotingRequest,
} from '../../../src/transport/powershell/remoting-wrapper.js';
import {
  PwshRemotingTransport,
  pwshRemotingArgs,
  remoteScript,
  type ProcessRunner,
} from '../../../src/transport/powershell/pwsh-remoting.js';
import { type ExecOptions, type ExecResult } from '../../../src/transport/types.js';

const host = (kind: 'powershell-ssh' | 'pwsh-remoting', extra = {}): Host => ({
  name: 'nav-01',
  address: '10.0.4.7',
  transport: {
    kind,
    port: kind === 'pwsh-remoting' ? 5985 : 22,
    user: 'CORP\\deploy',
    knownHosts: [],
    sudo: false,
    connectTimeoutMs: 1_000,
    commandTimeoutMs: 5_000,
    ...extra,
  },
  legacyPfx: false,
  bindings: [],
  exclusions: [],
  origin: {},
});

const ok: ExecResult = { exitCode: 0, stdout: '', stderr: '', durationMs: 1 };
const SECRET = 'Pfx-P@ss;$(whoami)`"\'';
const PFX = Buffer.from('PFX-BYTES-\u0000\u00ff-not-in-argv', 'latin1');

function fakeSession(result: ExecResult = ok) {
  const calls: { command: string; options: ExecOptions | undefined }[] = [];
  const session: RemoteSession = {
    target: 'nav-01 (10.0.4.7:22)',
    connect: () => Promise.resolve(),
    run: (command, options) => {
      calls.push({ command, options });
      return Promise.resolve(result);
    },
    close: () => Promise.resolve(),
  };
  return { session, calls };
}

/** The script a command line carries, after checking the command line's exact shape. */
function scriptOf(command: string): string {
  const m =
    /^powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -OutputFormat Text -EncodedCommand ([A-Za-z0-9+/=]+)$/.exec(
      command,
    );
  expect(m, command).not.toBeNull();
  return decodeCommand(m![1]!);
}

describe('powershell over ssh: what is sent', () => {
  it('sends the static script as -EncodedCommand (base64 UTF-16LE) after the prelude', async () => {
    const { session, calls } = fakeSession();
    const t = new PowerShellSshTransport(host('powershell-ssh'), { session });
    const script = "Get-ChildItem Cert:\\LocalMachine\\My | Select-Object Thumbprint\n'ünï©ødé ✓'";
    await t.exec(script, { stdin: '{"a":1}' });
    expect(calls).toHaveLength(1);
    expect(scriptOf(calls[0]!.command)).toBe(`${PS_PRELUDE}\n${script}`);
    expect(calls[0]!.options?.stdin).toBe('{"a":1}');
  });

  it('starts every script by announcing its pid and reading $certrollInput; a stop ends its tree', async () => {
    const { session, calls } = fakeSession();
    await new PowerShellSshTransport(host('powershell-ssh'), { session }).exec('x');
    expect(PS_PRELUDE.split('\n')[0]).toBe(PS_PID_ANNOUNCE);
    expect(PS_PRELUDE).toContain(PS_READ_INPUT);
    const options = calls[0]!.options as { killCommandFor?: (pid: number) => string };
    expect(options.killCommandFor?.(4242)).toBe('taskkill.exe /T /F /PID 4242');
    expect(() => options.killCommandFor?.(Number.NaN)).toThrow(RangeError);
  });

  it('puts a PFX and its password only on stdin, as JSON, never in the command line', async () => {
    const { session, calls } = fakeSession();
    const t = new PowerShellSshTransport(host('powershell-ssh'), { session });
    const path = `C:\\certroll\\stage\\nav'; Remove-Item C:\\ -Recurse; '.pfx`;
    await t.putFile(path, PFX, { mode: 0o600 });
    await t.exec('$p = $certrollInput.password', { stdin: JSON.stringify({ password: SECRET }) });
    const [put, use] = calls;
    expect(scriptOf(put!.command)).toBe(`${PS_PRELUDE}\n${PS_PUT_FILE}`);
    const input = JSON.parse(String(put!.options?.stdin)) as {
      path: string;
      data: string;
      private: boolean;
    };
    expect(input).toEqual({ path, data: PFX.toString('base64'), private: true });
    for (const call of calls) {
      const text = scriptOf(call.command);
      for (const value of [SECRET, path, PFX.toString('base64'), 'PFX-BYTES']) {
        expect(call.command).not.toContain(value);
        expect(text).not.toContain(value);
      }
    }
    expect(use!.options?.stdin).toContain('whoami');
  });

  it('removes through a static script with the path on stdin', async () => {
    const { session, calls } = fakeSession();
    await new PowerShellSshTransport(host('powershell-ssh'), { session }).remove('C:\\x y\\k.pfx');
    expect(scriptOf(calls[0]!.command)).toBe(`${PS_PRELUDE}\n${PS_REMOVE}`);
    expect(JSON.parse(String(calls[0]!.options?.stdin))).toEqual({ path: 'C:\\x y\\k.pfx' });
  });

  it('fails putFile with TRANSPORT_COMMAND_FAILED when the script exits non-zero', async () => {
    const { session } = fakeSession({
      ...ok,
      exitCode: 1,
      stderr: 'Access to the path is denied.',
    });
    const t = new PowerShellSshTransport(host('powershell-ssh'), { session });
    await expect(t.putFile('C:\\k.pfx', 'x', { mode: 0o600 })).rejects.toMatchObject({
      code: 'TRANSPORT_COMMAND_FAILED',
      message: expect.stringContaining('Access to the path is denied.'),
    });
  });

  it('refuses a script too long for a Windows command line, with a hint', () => {
    expect(() => powershellCommandLine('x'.repeat(6_000))).toThrow(/over Windows' limit of 8191/);
  });
});

describe('pwsh remoting: what is run', () => {
  function fakeRunner(result: ExecResult = ok) {
    const calls: { file: string; args: readonly string[]; stdin: string }[] = [];
    const run: ProcessRunner = (file, args, opts) => {
      calls.push({ file, args, stdin: String(opts.stdin) });
      return Promise.resolve(result);
    };
    return { run, calls };
  }

  it('runs pwsh with a static wrapper and sends script, input and credential as JSON on stdin', async () => {
    const { run, calls } = fakeRunner();
    const t = new PwshRemotingTransport(
      host('pwsh-remoting', { password: { from: 'env', name: 'WINRM_PW' } }),
      {
        run,
        env: { WINRM_PW: SECRET },
      },
    );
    await t.connect();
    await t.exec('Import-PfxCertificate -FilePath $certrollInput.path', {
      stdin: '{"path":"C:\\\\x.pfx"}',
    });
    const last = calls.at(-1)!;
    expect(last.file).toBe('pwsh');
    expect(last.args).toEqual(pwshRemotingArgs());
    expect(last.args.slice(0, 5)).toEqual([
      '-NoProfile',
      '-NonInteractive',
      '-OutputFormat',
      'Text',
      '-EncodedCommand',
    ]);
    expect(decodeCommand(last.args[5]!)).toBe(PWSH_REMOTING_WRAPPER);
    expect(PWSH_REMOTING_WRAPPER).toContain('New-PSSession @conn');
    const req = JSON.parse(last.stdin) as RemotingRequest;
    expect(req).toEqual({
      via: 'winrm',
      computer: '10.0.4.7',
      port: 5985,
      tls: true,
      user: 'CORP\\deploy',
      password: SECRET,
      script: remoteScript('Import-PfxCertificate -FilePath $certrollInput.path'),
      input: '{"path":"C:\\\\x.pfx"}',
    });
    expect(req.script.startsWith(`${PS_REMOTE_PRELUDE}\n`)).toBe(true);
    for (const c of calls) expect(c.args.join(' ')).not.toContain(SECRET);
  });

  it('over SSH: -HostName with the identity file and known_hosts, never a password', async () => {
    const { run, calls } = fakeRunner();
    const t = new PwshRemotingTransport(
      host('pwsh-remoting', {
        via: 'ssh',
        port: 22,
        identityFile: '/keys/id',
        knownHosts: ['/kh/a', '/kh/b'],
      }),
      { run },
    );
    await t.connect();
    expect(t.target).toBe('nav-01 (10.0.4.7:22, PowerShell remoting over SSH)');
    const req = JSON.parse(calls.at(-1)!.stdin) as RemotingRequest;
    expect(req).toMatchObject({
      via: 'ssh',
      port: 22,
      keyFile: '/keys/id',
      knownHosts: ['/kh/a', '/kh/b'],
      connectTimeoutSec: 1,
    });
    expect(req).not.toHaveProperty('password');
    const withPassword = new PwshRemotingTransport(
      host('pwsh-remoting', { via: 'ssh', password: { from: 'env', name: 'X' } }),
      { run },
    );
    await expect(withPassword.connect()).rejects.toMatchObject({
      code: 'TRANSPORT_AUTH',
      message: expect.stringContaining('cannot use a password') as unknown,
    });
  });

  it('warns once about WinRM over plain HTTP, asked for with tls: false', async () => {
    const { run, calls } = fakeRunner();
    const warnings: string[] = [];
    const t = new PwshRemotingTransport(host('pwsh-remoting', { tls: false }), {
      run,
      onWarning: (m) => warnings.push(m),
    });
    await t.connect();
    await t.connect();
    expect(t.target).toBe('nav-01 (10.0.4.7:5985, WinRM over HTTP)');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('plain HTTP');
    expect((JSON.parse(calls.at(-1)!.stdin) as RemotingRequest).tls).toBe(false);
  });

  it('ends a timed-out script on the host: taskkill of the announced remote process', async () => {
    const calls: { stdin: string; what: string }[] = [];
    const run: ProcessRunner = (_file, _args, opts) => {
      calls.push({ stdin: String(opts.stdin), what: opts.what });
      if (calls.length > 1) return Promise.resolve(ok);
      opts.onStderr?.('certroll-pid:4242\n');
      return Promise.reject(Object.assign(new Error('timed out'), { code: 'TRANSPORT_TIMEOUT' }));
    };
    const t = new PwshRemotingTransport(host('pwsh-remoting'), { run });
    await expect(t.exec('Start-Sleep 600')).rejects.toMatchObject({ code: 'TRANSPORT_TIMEOUT' });
    expect(calls).toHaveLength(2);
    const kill = JSON.parse(calls[1]!.stdin) as RemotingRequest;
    expect(kill.script).toBe(remoteScript('taskkill.exe /T /F /PID 4242'));
  });

  it('reports a missing pwsh as TRANSPORT_UNREACHABLE with an install hint', async () => {
    const t = new PwshRemotingTransport(host('pwsh-remoting'), { exe: 'certroll-no-such-pwsh' });
    const err = await t.connect().catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'TRANSPORT_UNREACHABLE',
      hint: expect.stringContaining('Install PowerShell 7'),
    });
  });

  it('classifies a refused credential and an unreachable computer', async () => {
    const denied = fakeRunner({
      ...ok,
      exitCode: 255,
      stderr: 'certroll-remoting: Access is denied.',
    });
    await expect(
      new PwshRemotingTransport(host('pwsh-remoting'), { run: denied.run }).exec('x'),
    ).rejects.toMatchObject({
      code: 'TRANSPORT_AUTH',
    });
    const down = fakeRunner({
      ...ok,
      exitCode: 255,
      stderr: 'certroll-remoting: WinRM cannot complete the operation.',
    });
    await expect(
      new PwshRemotingTransport(host('pwsh-remoting'), { run: down.run }).exec('x'),
    ).rejects.toMatchObject({
      code: 'TRANSPORT_UNREACHABLE',
    });
  });

  it('returns a script failure as its exit code, not as an error', async () => {
    const failing = fakeRunner({ ...ok, exitCode: 2, stderr: 'boom' });
    const r = await new PwshRemotingTransport(host('pwsh-remoting'), { run: failing.run }).exec(
      'x',
    );
    expect(r.exitCode).toBe(2);
  });
});
