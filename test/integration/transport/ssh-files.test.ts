import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshTransport } from '../../../src/transport/ssh/ssh-transport.js';
import { running, startLab, type Lab, type LabHost } from '../../lab/index.js';

let lab: Lab;
let h: LabHost;
let ssh: SshTransport;
let dir: string;

beforeAll(async () => {
  lab = await startLab({ hosts: 1 });
  h = lab.hosts[0]!;
  dir = join(h.dir, 'files');
  mkdirSync(dir);
  ssh = new SshTransport(h.host);
  await ssh.connect();
});
afterAll(async () => {
  await ssh?.close();
  await lab?.stop();
});

const mode = (p: string): number => statSync(p).mode & 0o7777;
const temps = (): string[] => readdirSync(dir).filter((f) => f.includes('.certroll-'));

async function until(check: () => boolean, ms = 3_000): Promise<boolean> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, ms / 100));
  return check();
}

/** A `cat` that records the mode of the file it writes to the moment it starts, then waits. */
function instrumentCat(delay: number): string {
  const record = join(h.dir, 'cat-modes');
  rmSync(record, { force: true });
  // Only writes to certroll temp files are instrumented (the login shell's rc files use cat too).
  h.addShim(
    'cat',
    [
      '#!/bin/sh',
      'case "$(readlink /proc/$$/fd/1)" in',
      `  *.certroll-*) m=$(stat -L -c %a /proc/$$/fd/1); echo $m >> ${record}; sleep ${delay} ;;`,
      'esac',
      'exec /bin/cat "$@"',
      '',
    ].join('\n'),
  );
  return record;
}
const uninstrumentCat = (): void => rmSync(join(h.binDir, 'cat'), { force: true });

describe('ssh transport: putFile and remove', () => {
  it('writes binary data exactly, with mode 0600', async () => {
    const data = Buffer.concat([Buffer.from([0, 255, 10, 13]), Buffer.from("'$(x)`\n")]);
    const path = join(dir, 'key.pem');
    await ssh.putFile(path, data, { mode: 0o600 });
    expect(readFileSync(path).equals(data)).toBe(true);
    expect(mode(path)).toBe(0o600);
    expect(temps()).toEqual([]);
  });

  it('creates the file with its final mode: it never exists wider, not even as a temp file', async () => {
    const record = instrumentCat(0);
    try {
      await ssh.putFile(join(dir, 'secret.key'), 'PRIVATE', { mode: 0o600 });
      await ssh.putFile(join(dir, 'ro.key'), 'PRIVATE', { mode: 0o400 });
    } finally {
      uninstrumentCat();
    }
    // What cat saw on its stdout (the temp file) as it started: already no wider than asked.
    expect(readFileSync(record, 'utf8').trim().split('\n')).toEqual(['600', '400']);
    expect(mode(join(dir, 'ro.key'))).toBe(0o400);
  });

  it('widens to a requested public mode only after the data is written', async () => {
    const path = join(dir, 'cert.pem');
    await ssh.putFile(path, 'CERT', { mode: 0o644 });
    expect(mode(path)).toBe(0o644);
  });

  it('replaces an existing file atomically (a new inode, the old content never half-written)', async () => {
    const path = join(dir, 'replace.pem');
    writeFileSync(path, 'old', { mode: 0o600 });
    const before = statSync(path).ino;
    await ssh.putFile(path, 'new', { mode: 0o600 });
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(statSync(path).ino).not.toBe(before);
  });

  it('fails with TRANSPORT_COMMAND_FAILED when the folder is missing, leaving nothing', async () => {
    const err = await ssh
      .putFile(join(dir, 'nope', 'x.pem'), 'x', { mode: 0o600 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TRANSPORT_COMMAND_FAILED' });
    expect((err as Error).message).toMatch(/writing .*nope\/x\.pem failed with exit code 1/);
  });

  it('refuses to write over a directory and removes its temp file', async () => {
    mkdirSync(join(dir, 'adir'));
    await expect(ssh.putFile(join(dir, 'adir'), 'x', { mode: 0o600 })).rejects.toMatchObject({
      code: 'TRANSPORT_COMMAND_FAILED',
    });
    expect(temps()).toEqual([]);
  });

  it('removes its temp file when the write is aborted midway', async () => {
    instrumentCat(5);
    try {
      const ctl = new AbortController();
      const pending = ssh.putFile(join(dir, 'aborted.pem'), 'x', {
        mode: 0o600,
        signal: ctl.signal,
      });
      expect(await until(() => temps().length === 1)).toBe(true);
      ctl.abort();
      await expect(pending).rejects.toMatchObject({ code: 'TRANSPORT_ABORTED' });
      expect(await until(() => temps().length === 0, 8_000)).toBe(true);
      expect(existsSync(join(dir, 'aborted.pem'))).toBe(false);
    } finally {
      uninstrumentCat();
    }
  });

  it('removes a file, and a missing file is not an error', async () => {
    const path = join(dir, 'gone.pem');
    writeFileSync(path, 'x');
    await ssh.remove(path);
    expect(existsSync(path)).toBe(false);
    await expect(ssh.remove(path)).resolves.toBeUndefined();
  });
});

describe('ssh transport: sudo', () => {
  const calls = (): string =>
    existsSync(join(h.dir, 'sudo.calls')) ? readFileSync(join(h.dir, 'sudo.calls'), 'utf8') : '';
  beforeAll(() => {
    // sudo is not installed on the lab machine; this shim acts as `sudo -n` for root.
    h.addShim(
      'sudo',
      [
        '#!/bin/sh',
        `printf '%s\\n' "$1 $2 $3 $4" >> ${join(h.dir, 'sudo.calls')}`,
        `if [ -e ${join(h.dir, 'sudo.needs-password')} ]; then echo 'sudo: a password is required' >&2; exit 1; fi`,
        '[ "$1" = -n ] || { echo "shim: sudo without -n would prompt" >&2; exit 99; }',
        'shift; [ "$1" = -- ] && shift',
        'exec "$@"',
        '',
      ].join('\n'),
    );
  });

  it('runs commands and writes files through sudo -n -- sh -c', async () => {
    const t = new SshTransport(h.toHost({ transport: { sudo: true, user: 'root' } }));
    await t.connect();
    try {
      const r = await t.exec('echo "as $(id -un)"; exit 5');
      expect(r).toMatchObject({ exitCode: 5, stdout: 'as root\n' });
      await t.putFile(join(dir, 'sudo.pem'), 'via sudo', { mode: 0o600 });
      expect(readFileSync(join(dir, 'sudo.pem'), 'utf8')).toBe('via sudo');
      expect(calls()).toMatch(/^-n -- sh -c$/m);
      expect(calls()).not.toContain('via sudo');
    } finally {
      await t.close();
    }
  });

  it('kills a timed-out command that runs under sudo, through sudo', async () => {
    const t = new SshTransport(h.toHost({ transport: { sudo: true } }));
    await t.connect();
    const marker = `sleep 43.${process.pid}`;
    try {
      await expect(t.exec(marker, { timeoutMs: 300 })).rejects.toMatchObject({
        code: 'TRANSPORT_TIMEOUT',
      });
      expect(await until(() => !running(marker), 5_000)).toBe(true);
      // The group kill went through sudo as well.
      expect(calls()).toMatch(/^-n -- sh -c$/m);
    } finally {
      await t.close();
    }
  });

  it('fails fast with TRANSPORT_AUTH when sudo wants a password, instead of hanging', async () => {
    writeFileSync(join(h.dir, 'sudo.needs-password'), '');
    const t = new SshTransport(h.toHost({ transport: { sudo: true } }));
    const t0 = Date.now();
    try {
      const err = await t.connect().catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'TRANSPORT_AUTH' });
      expect((err as Error).message).toContain('sudo needs a password for root');
      expect(Date.now() - t0).toBeLessThan(5_000);
    } finally {
      rmSync(join(h.dir, 'sudo.needs-password'));
      await t.close();
    }
  });
});
