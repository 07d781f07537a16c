import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  acquireLock,
  createRunFolder,
  Journal,
  listLocks,
  locksDir,
} from '../../src/journal/index.js';
import { runCli, runCliAsync } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const state = tempDir('certroll-runs-cli-');

const done = createRunFolder(state, { kind: 'plan' }, '20261122T040000Z-aaaaaa');
const j = Journal.create(done.journal, { runId: done.id, operator: 'alice', ticket: 'CHG-1234' });
j.append('step-started', { step: 'bind', host: 'web-01', binding: '443' });
j.append('step-finished', { step: 'bind', host: 'web-01', binding: '443' });
// The records a run keeps for its snapshots: shown in brief, whole with --json.
j.append('run-ref', {
  ref: {
    runId: done.id,
    environments: [{ name: 'prod', hosts: [{ name: 'web-01' }, { name: 'web-02' }] }],
  },
});
j.append('host-result', {
  env: 'prod',
  host: 'web-01',
  output: {
    host: 'web-01',
    status: 'verified',
    bindings: { '443': { status: 'verified', captured: { sha256: 'c0ffee' } } },
  },
});
j.append('run-finished', { status: 'succeeded' });
const crashed = createRunFolder(state, { kind: 'plan' }, '20261122T050000Z-bbbbbb');
Journal.create(crashed.journal, { runId: crashed.id }).append('step-started', {
  step: 'bind',
  host: 'web-02',
});
const lock = acquireLock(locksDir(state), 'env:prod', crashed.id);

describe('certroll runs, show and unlock', () => {
  it('lists runs oldest first with their outcome, and the locks held', () => {
    const r = runCli(['runs', '--state-dir', state]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^RUN +STARTED +DURATION +OPERATOR +TICKET +VERIFIED +ROLLED BACK +ATTENTION +SKIPPED +OUTCOME$/,
    );
    expect(lines[1]).toMatch(/^20261122T040000Z-aaaaaa .* alice +CHG-1234 +1 +0 +0 +0 +succeeded$/);
    expect(lines[2]).toMatch(/^20261122T050000Z-bbbbbb +.* - +- +.* incomplete/);
    expect(r.stdout).toContain(`lock ${lock.info.id}: env:prod held by run ${crashed.id}`);
  });

  it('shows a run found by prefix, step by step, and as JSON', () => {
    const told = runCli(['show', '20261122T04', '--state-dir', state]);
    expect(told.code, told.stderr).toBe(0);
    expect(told.stdout).toContain(
      'run 20261122T040000Z-aaaaaa: succeeded\n  operator  alice\n  ticket    CHG-1234\n',
    );
    expect(told.stdout).toMatch(/^prod +web-01 +443 +verified$/m);
    const r = runCli(['show', '20261122T04', '--raw', '--state-dir', state]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('run 20261122T040000Z-aaaaaa: succeeded');
    expect(r.stdout).toMatch(/step-finished web-01 443 bind/);
    expect(r.stdout).toMatch(/ run-ref +environments=1 hosts=2$/m);
    expect(r.stdout).toMatch(/ host-result prod web-01 status=verified$/m);
    expect(r.stdout).not.toContain('c0ffee');
    const json = runCli(['--json', 'show', done.id, '--state-dir', state]);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: done.id, plan: { kind: 'plan' } });
    expect(json.stdout).toContain('c0ffee');
  });

  it('exits 66 for an unknown run, with a hint', () => {
    const r = runCli(['show', 'nope', '--state-dir', state]);
    expect(r.code).toBe(66);
    expect(r.stderr).toContain('[RUN_NOT_FOUND]');
    expect(r.stderr).toContain('hint: List runs with `certroll runs`');
  });

  it('removes a lock only by its id', () => {
    expect(runCli(['unlock', 'not-a-lock', '--state-dir', state]).code).toBe(64);
    const r = runCli(['unlock', lock.info.id, '--state-dir', state]);
    expect(r.code).toBe(0);
    expect(listLocks(locksDir(state))).toEqual([]);
  });
});

describe('certroll show on a damaged journal', () => {
  /** A run of six records; `damage` rewrites the journal's text. */
  function damagedRun(id: string, damage: (lines: string[]) => string): string {
    const run = createRunFolder(state, { kind: 'plan' }, id);
    const journal = Journal.create(run.journal, { runId: run.id });
    journal.append('step-started', { step: 'stage', host: 'web-01', binding: '443' });
    journal.append('step-finished', { step: 'stage', host: 'web-01', binding: '443' });
    journal.append('step-started', { step: 'bind', host: 'web-01', binding: '443' });
    journal.append('step-finished', { step: 'bind', host: 'web-01', binding: '443' });
    journal.append('step-started', { step: 'verify', host: 'web-01', binding: '443' });
    const lines = readFileSync(run.journal, 'utf8').split('\n');
    writeFileSync(run.journal, damage(lines));
    return run.journal;
  }

  it('prints every record before a checksum mismatch, marks the line and exits 65', () => {
    // One byte flipped in the middle record (line 4: the bind step's start): web-01 -> web-02.
    const path = damagedRun('20261122T060000Z-cccccc', (lines) => {
      lines[3] = lines[3]!.replace('"web-01"', '"web-02"');
      return lines.join('\n');
    });
    const r = runCli(['show', '20261122T06', '--raw', '--state-dir', state]);
    expect(r.code).toBe(65);
    const out = r.stdout.trim().split('\n');
    expect(out[0]).toBe(
      'run 20261122T060000Z-cccccc: incomplete (resume it with `certroll resume RUN`)',
    );
    expect(out.slice(1, 4).map((l) => l.trim().split(' ')[0])).toEqual(['1', '2', '3']);
    expect(out[3]).toMatch(/ step-finished web-01 443 stage$/);
    expect(out[4]).toBe(
      '---- journal damaged at line 4: checksum mismatch; 2 later line(s) not shown ----',
    );
    expect(out).toHaveLength(5);
    expect(r.stdout).not.toContain('web-02');
    expect(r.stderr).toContain(
      `certroll: error [JOURNAL_INVALID]: ${path}:4: Journal record is damaged: checksum mismatch.`,
    );
    expect(r.stderr).toContain('hint: The journal was changed or damaged after it was written');

    const json = runCli(['--json', 'show', '20261122T06', '--state-dir', state]);
    expect(json.code).toBe(65);
    const doc = JSON.parse(json.stdout) as {
      ok: boolean;
      journal: { records: { seq: number }[] };
      damaged: object;
      error: { code: string };
    };
    expect(doc).toMatchObject({
      ok: false,
      exitCode: 65,
      damaged: { line: 4, reason: 'checksum mismatch', linesAfter: 2 },
      error: { code: 'JOURNAL_INVALID' },
    });
    expect(doc.journal.records.map((x) => x.seq)).toEqual([1, 2, 3]);

    const runs = runCli(['runs', '--state-dir', state]);
    expect(runs.stdout).toMatch(
      /^20261122T060000Z-cccccc .* damaged journal at line 4 \(checksum mismatch\); see `certroll show 20261122T060000Z-cccccc`$/m,
    );
  });

  it('names an unparseable line', () => {
    damagedRun('20261122T070000Z-dddddd', (lines) => {
      // The opening brace lost: not JSON any more.
      lines[2] = lines[2]!.slice(1);
      return lines.join('\n');
    });
    const r = runCli(['show', '20261122T07', '--raw', '--state-dir', state]);
    expect(r.code).toBe(65);
    expect(r.stdout).toContain(
      '---- journal damaged at line 3: unparseable; 3 later line(s) not shown ----',
    );
  });

  it('still tolerates a last line cut short by a crash (not damage)', () => {
    damagedRun('20261122T080000Z-eeeeee', (lines) => lines.join('\n').slice(0, -30));
    const r = runCli(['show', '20261122T08', '--state-dir', state]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(the last journal line was cut short by a crash)');
    expect(r.stdout).not.toContain('damaged');
  });

  it('resume still refuses a damaged journal, naming the line', () => {
    const path = damagedRun('20261122T090000Z-ffffff', (lines) => {
      lines[3] = lines[3]!.replace('"web-01"', '"web-02"');
      return lines.join('\n');
    });
    const r = runCli(['resume', '20261122T09', '--yes', '--state-dir', state]);
    expect(r.code).toBe(65);
    expect(r.stderr).toContain(`certroll: error [JOURNAL_INVALID]: ${path}:4: Journal record`);
    expect(r.stdout).toBe('');
  });
});

describe('certroll backups and purge by policy, from the run folders alone', () => {
  const dir = tempDir('certroll-backups-cli-');
  const plan = {
    version: 1,
    createdAt: '2026-11-22T00:00:00.000Z',
    // An inventory no longer there: the hosts' default state dir is assumed.
    inventory: { path: `${dir}/gone.yaml`, digest: 'x' },
    bundle: { path: `${dir}/site.pfx`, sha256: 'ab'.repeat(32), thumbprint: 'AB', notAfter: '' },
    environments: [
      {
        name: 'prod',
        hosts: [
          {
            name: 'web-01',
            address: '10.0.0.1',
            bindings: [
              {
                id: '443',
                port: 443,
                kind: 'nginx',
                sni: [],
                action: 'replace',
                capturedDigest: 'x',
              },
              {
                id: '7047',
                port: 7047,
                kind: 'netsh-http',
                sni: [],
                current: 'cd'.repeat(32),
                action: 'replace',
                capturedDigest: 'x',
              },
              {
                id: '8443',
                port: 8443,
                kind: 'nginx',
                sni: [],
                action: 'skip',
                capturedDigest: 'x',
              },
            ],
          },
        ],
      },
    ],
  };
  /** A run that staged on web-01 (and finished, when `finished`). */
  function stagedRun(id: string, finished: boolean): string {
    const run = createRunFolder(dir, plan, id);
    const journal = Journal.create(run.journal, { runId: id });
    journal.append('step-started', { step: 'stage', host: 'web-01' });
    journal.append('host-result', {
      env: 'prod',
      host: 'web-01',
      output: {
        host: 'web-01',
        status: 'verified',
        bindings: {
          '443': {
            status: 'verified',
            captured: {
              captured: {
                type: 'files',
                files: { cert: { exists: true }, key: { exists: true }, chain: { exists: false } },
              },
            },
          },
        },
      },
    });
    if (finished) journal.append('run-finished', { status: 'succeeded' });
    return id;
  }
  const older = stagedRun('20261101T000000Z-000001', true);
  const locked = stagedRun('20261102T000000Z-000002', true);
  const open = stagedRun('20261103T000000Z-000003', false);
  acquireLock(locksDir(dir), 'env:prod', locked);

  it('lists each run newest first: what it kept where, and why it stays', async () => {
    const [list, json] = await Promise.all([
      runCliAsync(['backups', '--state-dir', dir]),
      runCliAsync(['--json', 'backups', '20261101', '--state-dir', dir]),
    ]);
    expect(list.code, list.stderr).toBe(0);
    const rows = list.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^RUN +ENV +HOST +TAKEN +AGE +STATE +BINDING +KEPT$/);
    expect(rows.slice(1).map((r) => r.split(' ')[0])).toEqual([
      open,
      open,
      locked,
      locked,
      older,
      older,
    ]);
    expect(list.stdout).toMatch(
      new RegExp(
        `^${older} +prod +web-01 .* kept +443 nginx +cert, key in /var/tmp/certroll-${older}/443/backup$`,
        'm',
      ),
    );
    expect(list.stdout).toMatch(
      new RegExp(
        `^${older} .* 7047 netsh-http +the previous certificate \\(cdcdcdcdcdcdcdcd\\) stays in LocalMachine\\\\My; purge leaves it \\(oldCertificate: keep\\)$`,
        'm',
      ),
    );
    expect(list.stdout).toMatch(
      new RegExp(`^${open} .* kept \\(run not finished\\) +443 nginx`, 'm'),
    );
    expect(list.stdout).toMatch(new RegExp(`^${locked} .* kept \\(run locked\\) +443 nginx`, 'm'));
    expect(list.stdout).not.toContain('8443');
    expect(JSON.parse(json.stdout)).toMatchObject({
      runs: [
        { run: older, finished: true, locked: false, hosts: [{ host: 'web-01', state: 'kept' }] },
      ],
    });
  });

  it('chooses by policy without touching a locked or unfinished run; refuses bad input with the value', async () => {
    const [dry, lockedRun, bad] = await Promise.all([
      runCliAsync(['purge', '--keep', '0', '--dry-run', '--state-dir', dir]),
      runCliAsync(['purge', locked, '--state-dir', dir]),
      runCliAsync(['purge', '--older-than', 'soon', '--state-dir', dir]),
    ]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(
      new RegExp(`^purge ${older} prod/web-01 .*: not one of the newest 0 on web-01$`, 'm'),
    );
    expect(dry.stdout).toMatch(
      new RegExp(`^keep  ${open} prod/web-01 .*: the run has not finished$`, 'm'),
    );
    expect(dry.stdout).toMatch(
      new RegExp(`^keep  ${locked} prod/web-01 .*: the run holds a lock`, 'm'),
    );
    expect(dry.stdout).toMatch(/^1 to purge, 2 kept\.$/m);
    expect(lockedRun.code).toBe(75);
    expect(lockedRun.stderr).toContain(`[LOCK_HELD]: Run ${locked} holds the lock on env:prod`);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/'soon'.*expected an age such as 30d/);
  });
});
