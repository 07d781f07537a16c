import { describe, expect, it } from 'vitest';
import { acquireLock, listLocks, unlock } from '../../../src/journal/index.js';
import { tempDirEach } from '../../helpers/temp.js';

const dir = tempDirEach('certroll-locks-');

describe('environment locks', () => {
  it('let exactly one holder take an environment', () => {
    const first = acquireLock(dir(), 'env:prod', 'run-1');
    expect(() => acquireLock(dir(), 'env:prod', 'run-2')).toThrowError(/locked by run run-1/);
    expect(acquireLock(dir(), 'env:staging', 'run-2').info.runId).toBe('run-2');
    first.release();
    expect(acquireLock(dir(), 'env:prod', 'run-3').info.runId).toBe('run-3');
  });

  it('name the holder, its heartbeat age and the unlock command when held', () => {
    let t = Date.parse('2026-11-22T10:00:00Z');
    const held = acquireLock(dir(), 'env:prod', 'run-1', () => new Date(t));
    t += 95_000;
    try {
      acquireLock(dir(), 'env:prod', 'run-2', () => new Date(t));
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'LOCK_HELD' });
      expect((error as Error).message).toContain('last heartbeat 95s ago');
      expect((error as { hint: string }).hint).toContain(`certroll unlock ${held.info.id}`);
    }
  });

  it('are removed by an explicit unlock of their id, and a released stale handle leaves the new lock alone', () => {
    const stale = acquireLock(dir(), 'env:prod', 'run-1');
    unlock(dir(), stale.info.id);
    const fresh = acquireLock(dir(), 'env:prod', 'run-2');
    stale.release();
    expect(listLocks(dir()).map((l) => l.id)).toEqual([fresh.info.id]);
  });

  it('refresh the heartbeat in place', () => {
    let t = 1_000_000;
    const held = acquireLock(dir(), 'env:prod', 'run-1', () => new Date(t));
    t += 5000;
    held.heartbeat();
    expect(listLocks(dir())[0]!.heartbeatAt).toBe(new Date(t).toISOString());
  });

  it('are taken back by the same run when it resumes, but never by another run', () => {
    acquireLock(dir(), 'env:prod', 'run-1');
    expect(() => acquireLock(dir(), 'env:prod', 'run-2', undefined, true)).toThrowError(
      /locked by run run-1/,
    );
    const resumed = acquireLock(dir(), 'env:prod', 'run-1', undefined, true);
    expect(listLocks(dir()).map((l) => l.id)).toEqual([resumed.info.id]);
  });
});
