import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Host } from '../../../src/inventory/model.js';
import { SshTransport } from '../../../src/transport/ssh/ssh-transport.js';
import { generateSshKey, startLab, type Lab, type LabHost } from '../../../src/demo/lab.js';

// The demo's in-process SSH server driven by certroll's real ssh transport.
const { utils } = ssh2;
let dir: string;
let lab: Lab;
let h: LabHost;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'certroll-demo-ssh-'));
  lab = await startLab(dir, userInfo().username, [
    { name: 'box-1', address: '127.0.0.1', bindings: [] },
  ]);
  h = lab.hosts[0]!;
});
afterAll(async () => {
  await lab?.close();
  rmSync(dir, { recursive: true, force: true });
});

function hostFor(patch: { knownHosts?: string; user?: string; identityFile?: string } = {}): Host {
  return {
    name: h.name,
    address: h.address,
    transport: {
      kind: 'ssh',
      port: h.ssh.port,
      user: patch.user ?? lab.user,
      identityFile: patch.identityFile ?? lab.clientKeyPath,
      knownHosts: [patch.knownHosts ?? lab.knownHostsPath],
      sudo: false,
      connectTimeoutMs: 5_000,
      commandTimeoutMs: 10_000,
    },
    legacyPfx: false,
    bindings: [],
    exclusions: [],
    origin: { file: 'test' },
  };
}

async function connected(host = hostFor()): Promise<SshTransport> {
  const t = new SshTransport(host, {});
  await t.connect();
  return t;
}

describe('the demo ssh server', () => {
  it('runs commands with /bin/sh -c in the sandbox and returns their exit codes', async () => {
    const t = await connected();
    try {
      const ok = await t.exec('pwd; echo "$HOME"; echo err >&2');
      expect(ok.exitCode).toBe(0);
      expect(ok.stdout).toBe(`${h.sandbox}\n${h.sandbox}\n`);
      expect(ok.stderr).toBe('err\n');
      expect((await t.exec('exit 7')).exitCode).toBe(7);
      // Killed by a signal: reported as exit-signal, as sshd does. (certroll's exec maps ssh2's
      // "SIGTERM" through `SIG${name}` and so reports 255 rather than 143; any non-zero will do.)
      expect((await t.exec('kill -TERM $$')).exitCode).not.toBe(0);
    } finally {
      await t.close();
    }
  });

  it('passes stdin to the command and writes files through putFile', async () => {
    const t = await connected();
    try {
      const r = await t.exec('wc -c; cat', { stdin: 'hello demo' });
      expect(r.stdout).toBe('10\n');
      await t.putFile(join(h.sandbox, 'f.txt'), 'secret', { mode: 0o600 });
      const stat = await t.exec('stat -c %a f.txt; cat f.txt');
      expect(stat.stdout).toBe('600\nsecret');
    } finally {
      await t.close();
    }
  });

  it('stops a command that runs past its timeout', async () => {
    const t = await connected();
    try {
      await expect(t.exec('sleep 20', { timeoutMs: 300 })).rejects.toMatchObject({
        code: 'TRANSPORT_TIMEOUT',
      });
      expect((await t.exec('echo still here')).stdout).toBe('still here\n');
    } finally {
      await t.close();
    }
  });

  it('is refused by certroll when its host key is not the one in known_hosts, before any auth', async () => {
    const other = generateSshKey('other');
    const kh = join(dir, 'wrong_known_hosts');
    writeFileSync(kh, `[${h.address}]:${h.ssh.port} ${other.public}\n`);
    const before = h.ssh.authAttempts();
    const t = new SshTransport(hostFor({ knownHosts: kh }), {});
    await expect(t.connect()).rejects.toMatchObject({ code: 'TRANSPORT_HOST_KEY' });
    await t.close();
    expect(h.ssh.authAttempts()).toBe(before);
  });

  it('generates only keys that ssh2 can parse back (its generator sometimes does not)', () => {
    for (let i = 0; i < 500; i++)
      expect(utils.parseKey(generateSshKey(`k${i}`).private)).not.toBeInstanceOf(Error);
  });

  it('refuses another user and another key', async () => {
    const t1 = new SshTransport(hostFor({ user: 'not-the-demo-user' }), {});
    await expect(t1.connect()).rejects.toMatchObject({ code: 'TRANSPORT_AUTH' });
    await t1.close();
    const stranger = generateSshKey('other');
    const keyPath = join(dir, 'stranger');
    writeFileSync(keyPath, stranger.private, { mode: 0o600 });
    const t2 = new SshTransport(hostFor({ identityFile: keyPath }), {});
    await expect(t2.connect()).rejects.toMatchObject({ code: 'TRANSPORT_AUTH' });
    await t2.close();
  });
});
