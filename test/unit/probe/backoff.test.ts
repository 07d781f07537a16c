import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, backoffDelay, backoffSchedule } from '../../../src/probe/backoff.js';

describe('backoff', () => {
  it('doubles from the initial delay up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(DEFAULT_BACKOFF, n, 0))).toEqual([
      250, 500, 1000, 2000, 4000, 4000, 4000,
    ]);
  });

  it('jitters each delay down to half at most', () => {
    expect(backoffDelay(DEFAULT_BACKOFF, 3, 0.999)).toBe(500);
    expect(backoffDelay(DEFAULT_BACKOFF, 3, 0.5)).toBe(750);
    expect(backoffDelay({ ...DEFAULT_BACKOFF, jitter: 0 }, 3, 0.999)).toBe(1000);
  });

  it('fits the schedule into the attempts and the time budget', () => {
    expect(backoffSchedule(DEFAULT_BACKOFF, 20, 4000)).toEqual([250, 500, 1000, 2000]);
    expect(backoffSchedule(DEFAULT_BACKOFF, 3, 60_000)).toEqual([250, 500]);
    expect(backoffSchedule(DEFAULT_BACKOFF, 1, 60_000)).toEqual([]);
  });
});
