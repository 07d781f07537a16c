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
const j = Journal.create(done.journal, { runId: done.id });
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
    bindings: { '443': { captured: { sha256: 'c0ffee' } } },
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
    expect(lines[0]).toMatch(/^20261122T040000Z-aaaaaa {2}succeeded/);
    expect(lines[1]).toMatch(/^20261122T050000Z-bbbbbb {2}incomplete/);
    expect(r.stdout).toContain(`lock ${lock.info.id}: env:prod held by run ${crashed.id}`);
  });

  it('shows a run found by prefix, step by step, and as JSON', () => {
    const r = runCli(['show', '20261122T04', '--state-dir', state]);
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
