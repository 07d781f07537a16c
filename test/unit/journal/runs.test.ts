import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  createRunFolder,
  findRun,
  Journal,
  listRunIds,
  newRunId,
  readRun,
  resolveStateDir,
} from '../../../src/journal/index.js';
import { tempDirEach } from '../../helpers/temp.js';

const state = tempDirEach('certroll-state-');

describe('run folders', () => {
  it('are private, hold the plan, and list in time order', () => {
    const a = createRunFolder(state(), { n: 1 }, newRunId(new Date('2026-01-01T00:00:00Z')));
    const b = createRunFolder(state(), { n: 2 }, newRunId(new Date('2026-02-01T00:00:00Z')));
    expect(statSync(a.dir).mode & 0o777).toBe(0o700);
    expect(statSync(a.plan).mode & 0o777).toBe(0o600);
    expect(listRunIds(state())).toEqual([a.id, b.id]);
    Journal.create(b.journal, { runId: b.id });
    expect(readRun(findRun(state(), b.id))).toMatchObject({ plan: { n: 2 } });
  });

  it('are found by a unique prefix and refused when the prefix is ambiguous or unknown', () => {
    createRunFolder(state(), {}, '20260101T000000Z-aaaaaa');
    createRunFolder(state(), {}, '20260101T000000Z-aaaabb');
    expect(findRun(state(), '20260101T000000Z-aaaaa').id).toBe('20260101T000000Z-aaaaaa');
    expect(() => findRun(state(), '20260101T000000Z-aaaa')).toThrow(/ambiguous/);
    expect(() => findRun(state(), 'nope')).toThrowError(
      expect.objectContaining({ code: 'RUN_NOT_FOUND' }) as Error,
    );
  });

  it('live under --state()-dir, then CERTROLL_STATE_DIR, then XDG_STATE_HOME', () => {
    expect(resolveStateDir('/x', { CERTROLL_STATE_DIR: '/y' })).toBe('/x');
    expect(resolveStateDir(undefined, { CERTROLL_STATE_DIR: '/y', XDG_STATE_HOME: '/z' })).toBe(
      '/y',
    );
    expect(resolveStateDir(undefined, { XDG_STATE_HOME: '/z' })).toBe('/z/certroll');
  });
});
