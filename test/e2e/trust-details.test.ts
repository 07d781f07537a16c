// Small things a new user meets first, through the built CLI: a pager closing the pipe, the
// hint of `unlock`, a password file others can read.
import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunFolder, Journal } from '../../src/journal/index.js';
import { BIN, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { TestPki, type Issued } from '../lab/index.js';

const state = tempDir('certroll-trust-');

describe('certroll show RUN | head', () => {
  it('stops quietly when the reader closes the pipe: no stack trace, no EPIPE', () => {
    // Far more than a pipe's buffer, so the writes go on after `head` has gone.
    const run = createRunFolder(state, { kind: 'plan' }, '20261201T000000Z-e9e9e9');
    const j = Journal.create(run.journal, { runId: run.id });
    const wide = 'b'.repeat(2000);
    for (let i = 0; i < 200; i += 1)
      j.append('step-finished', { step: 'bind', host: `web-${i}`, binding: wide });
    const r = spawnSync(
      'bash',
      ['-c', `"${process.execPath}" "${BIN}" show ${run.id} --state-dir "${state}" | head -n 2`],
      { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 30_000 },
    );
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(2);
    expect(r.stderr).toBe('');
  });
});

describe('certroll unlock', () => {
  it('names, for an unknown lock id, a command that exists and lists the locks', () => {
    const r = runCli(['unlock', 'no-such-lock', '--state-dir', state]);
    expect(r.code).toBe(64);
    const hinted = /hint: .*`certroll ([^`]+)`/.exec(r.stderr)?.[1];
    expect(hinted, r.stderr).toBe('runs');
    expect(runCli([...hinted!.split(' '), '--state-dir', state]).code).toBe(0);
  });
});

describe('a password file given on the command line', () => {
  let pki: TestPki;
  let leaf: Issued;
  let pfx: string;
  beforeAll(() => {
    pki = TestPki.create();
    leaf = pki.chain(['www.example.test']).leaf;
    pfx = pki.pfx(leaf, { password: 'pw-1234', encoding: 'aes' });
  });
  afterAll(() => pki.cleanup());

  it('is refused when others can read it, as the inventory secret files are', () => {
    const file = pki.write('shared.pass', 'pw-1234\n');
    chmodSync(file, 0o644);
    const r = runCli(['cert', 'check', pfx, '--password-file', file]);
    expect(r.code).toBe(66);
    expect(r.stderr).toContain(`password file ${file} is readable by other users (mode 644)`);
    expect(r.stderr).toContain(`hint: Run: chmod 600 ${file}`);
    chmodSync(file, 0o600);
    expect(runCli(['cert', 'check', pfx, '--password-file', file]).stderr).not.toContain(
      'readable by other users',
    );
  });
});
