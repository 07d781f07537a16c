import { describe, expect, it } from 'vitest';
import { analysePool, majority } from '../../../src/probe/pool-analysis.js';
import { FP_A, FP_B } from './fixtures.js';

const FP_C = 'c'.repeat(64);
const m = (label: string, sha256: string | null, notAfterMs?: number) => ({
  label,
  sha256,
  ...(sha256 === null ? { failure: 'refused' } : {}),
  ...(notAfterMs !== undefined ? { notAfterMs } : {}),
});
const vip = (...fps: (string | null)[]) => fps.map((fp, i) => m(`vip#${i + 1}`, fp));

describe('pool analysis', () => {
  it('finds a strict majority and nothing on a tie', () => {
    expect(majority([FP_A, FP_B, FP_A])).toBe(FP_A);
    expect(majority([FP_A, FP_B])).toBeNull();
    expect(majority([])).toBeNull();
  });

  it('is consistent when every member and every VIP sample serve the same leaf', () => {
    const v = analysePool([m('a', FP_A), m('b', FP_A)], vip(FP_A, FP_A, FP_A));
    expect(v).toMatchObject({
      state: 'consistent',
      reference: FP_A,
      referenceFrom: 'majority',
      oddMembers: [],
      oddSamples: [],
    });
    expect(v.summary).toBe(`all 2 member(s) and 3 VIP sample(s) serve ${FP_A.slice(0, 12)}`);
  });

  it('names the odd member against the majority, and which member a VIP sample reached', () => {
    const v = analysePool([m('a', FP_A), m('b', FP_B), m('c', FP_A)], vip(FP_A, FP_B, FP_A));
    expect(v.state).toBe('mixed');
    expect(v.oddMembers.map((o) => o.label)).toEqual(['b']);
    expect(v.oddSamples.map((o) => o.label)).toEqual(['vip#2']);
    expect(v.vipCounts).toEqual({ [FP_A]: 2, [FP_B]: 1 });
    expect(v.servedBy).toEqual({ [FP_A]: ['a', 'c'], [FP_B]: ['b'] });
    expect(v.summary).toContain(`odd member(s): b (${FP_B.slice(0, 12)})`);
    expect(v.summary).toContain(
      `1/3 VIP sample(s) differ: ${FP_A.slice(0, 12)}×2 (a, c), ${FP_B.slice(0, 12)}×1 (b)`,
    );
  });

  it('uses the expected fingerprint over the majority', () => {
    const v = analysePool([m('a', FP_A), m('b', FP_A), m('c', FP_B)], vip(FP_B), FP_B);
    expect(v.referenceFrom).toBe('expected');
    expect(v.oddMembers.map((o) => o.label)).toEqual(['a', 'b']);
    expect(v.oddSamples).toEqual([]);
  });

  it('breaks a tie by the leaf that lasts longest', () => {
    const v = analysePool([m('old', FP_A, 1000), m('new', FP_B, 5000)], vip(FP_A, FP_B));
    expect(v).toMatchObject({ reference: FP_B, referenceFrom: 'newest' });
    expect(v.oddMembers.map((o) => o.label)).toEqual(['old']);
  });

  it('counts a member or VIP sample without an answer as odd', () => {
    const v = analysePool([m('a', FP_A), m('b', FP_A), m('down', null)], vip(FP_A, null));
    expect(v.oddMembers.map((o) => o.label)).toEqual(['down']);
    expect(v.vipCounts).toEqual({ [FP_A]: 1, 'no-answer': 1 });
    expect(v.summary).toContain('down (no answer: refused)');
  });

  it('has no reference when nobody answered and nothing was expected', () => {
    const v = analysePool([m('a', null), m('b', null)], vip(null));
    expect(v).toMatchObject({ state: 'mixed', reference: null, referenceFrom: 'none' });
    expect(v.summary).toMatch(/^no member answered/);
  });

  it('has no reference on a tie between leaves of the same expiry', () => {
    const v = analysePool([m('a', FP_A, 1), m('b', FP_C, 1)], []);
    expect(v.referenceFrom).toBe('none');
    expect(v.oddMembers).toHaveLength(2);
  });
});
