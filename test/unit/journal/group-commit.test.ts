// Group commit: shared flushes, and never a flush that started before the write it is asked for.
import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../../src/journal/group-commit.js';

function harness() {
  let version = 0;
  const flushes: { covers: number; done: () => void }[] = [];
  const commit = new GroupCommit(
    () =>
      new Promise<void>((resolve) => {
        flushes.push({ covers: version, done: resolve });
      }),
    () => version,
    'test',
  );
  return { commit, flushes, write: () => ++version };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('GroupCommit', () => {
  it('lets callers that ask together share one flush', async () => {
    const { commit, flushes, write } = harness();
    write();
    write();
    const all = Promise.all([commit.upTo(), commit.upTo(), commit.upTo(1)]);
    await tick();
    expect(flushes).toHaveLength(1);
    flushes[0]!.done();
    await all;
    await commit.upTo(); // nothing new: no flush
    expect(flushes).toHaveLength(1);
  });

  it('waits for a flush that started after the write, not the one already running', async () => {
    const { commit, flushes, write } = harness();
    write();
    const first = commit.upTo();
    await tick();
    write(); // version 2, written while the flush of version 1 runs
    let secondDone = false;
    const second = commit.upTo().then(() => (secondDone = true));
    flushes[0]!.done();
    await first;
    await tick();
    expect(secondDone).toBe(false);
    expect(flushes).toHaveLength(2);
    expect(flushes[1]!.covers).toBe(2);
    flushes[1]!.done();
    await second;
    expect(secondDone).toBe(true);
  });

  it('counts a version written with a synchronous fsync as durable', async () => {
    const { commit, flushes, write } = harness();
    commit.markDurable(write());
    await commit.upTo();
    expect(flushes).toHaveLength(0);
  });
});
