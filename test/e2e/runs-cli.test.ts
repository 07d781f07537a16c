import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  acquireLock,
  createRunFolder,
  Journal,
  listLocks,
  locksDir,
} from '../../src/journal/index.js';
import { runCli } from '../helpers/cli.js';
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
