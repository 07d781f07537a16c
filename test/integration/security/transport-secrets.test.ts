import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshTransport } from '../../../src/transport/ssh/ssh-transport.js';
import { startLab, type Lab, type LabHost } from '../../lab/index.js';
import { startSampler } from '../../helpers/proc-sampler.js';

let lab: Lab;
let h: LabHost;
let ssh: SshTransport;
let work: string;

beforeAll(async () => {
  lab = await startLab({ hosts: 1 });
  h = lab.hosts[0]!;
  work = join(h.dir, 'keys');
  mkdirSync(work);
  ssh = new SshTransport(h.host);
  await ssh.connect();
});
afterAll(async () => {
  await ssh?.close();
  await lab?.stop();
});

function fakeKey(secret: string): string {
  return `-----BEGIN PRIVATE KEY-----\n${secret}\n${randomBytes(600).toString('base64')}\n-----END PRIVATE KEY-----\n`;
}

/** Slows the write down (only writes to certroll temp files) so the sampler can watch it. */
function slowCat(seconds: number): void {
  h.addShim(
    'cat',
    `#!/bin/sh\ncase "$(readlink /proc/$$/fd/1)" in *.certroll-*) sleep ${seconds} ;; esac\nexec /bin/cat "$@"\n`,
  );
}

describe('secrets on the wire to a host', () => {
  it('never appear in any process argv or environment while a key is written', async () => {
    const secret = `CERTROLL-TEST-SECRET-${randomBytes(12).toString('hex')}`;
    const path = join(work, 'server.key');
    slowCat(1);
    const sampler = startSampler(lab.dir, secret, '.certroll-');
    try {
      await new Promise((r) => setTimeout(r, 100));
      await ssh.putFile(path, fakeKey(secret), { mode: 0o600 });
    } finally {
      rmSync(join(h.binDir, 'cat'), { force: true });
    }
    const { hits, seen, rounds } = await sampler.stop();
    expect(hits).toBe('');
    // The sampler really watched the write: it saw the remote session's shell running it.
    expect(seen).not.toBe('');
    expect(rounds).toBeGreaterThan(2);
    expect(readFileSync(path, 'utf8')).toContain(secret);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('are found by the sampler when a process does carry them (the control)', async () => {
    const secret = `CERTROLL-TEST-SECRET-${randomBytes(12).toString('hex')}`;
    const sampler = startSampler(lab.dir, secret, '.certroll-');
    const leaky = spawn('sleep', ['0.6'], {
      env: { ...process.env, LEAK: secret },
      stdio: 'ignore',
    });
    await new Promise((r) => leaky.once('exit', r));
    const { hits } = await sampler.stop();
    expect(hits).toContain(`/proc/${leaky.pid}/environ`);
  });

  it('leave no copy behind when a write fails, and stay out of the error message', async () => {
    const secret = `CERTROLL-TEST-SECRET-${randomBytes(12).toString('hex')}`;
    mkdirSync(join(work, 'is-a-dir'));
    const err = await ssh.putFile(join(work, 'is-a-dir'), fakeKey(secret), { mode: 0o600 }).then(
      () => new Error('resolved'),
      (e: unknown) => e as Error,
    );
    expect(err).toMatchObject({ code: 'TRANSPORT_COMMAND_FAILED' });
    expect(JSON.stringify(err) + String(err.message)).not.toContain(secret);
    for (const f of readdirSync(work)) {
      const p = join(work, f);
      if (statSync(p).isFile()) expect(readFileSync(p, 'utf8')).not.toContain(secret);
    }
  });

  it('leave no copy behind when a write is aborted midway', async () => {
    const secret = `CERTROLL-TEST-SECRET-${randomBytes(12).toString('hex')}`;
    slowCat(5);
    const ctl = new AbortController();
    try {
      const pending = ssh.putFile(join(work, 'aborted.key'), fakeKey(secret), {
        mode: 0o600,
        signal: ctl.signal,
      });
      const temps = (): number => readdirSync(work).filter((f) => f.includes('.certroll-')).length;
      for (let i = 0; i < 100 && temps() === 0; i++) await new Promise((r) => setTimeout(r, 20));
      ctl.abort();
      await expect(pending).rejects.toMatchObject({ code: 'TRANSPORT_ABORTED' });
      for (let i = 0; i < 100 && temps() > 0; i++) await new Promise((r) => setTimeout(r, 80));
      expect(temps()).toBe(0);
      expect(existsSync(join(work, 'aborted.key'))).toBe(false);
    } finally {
      rmSync(join(h.binDir, 'cat'), { force: true });
    }
  });
});
