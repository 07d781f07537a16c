import { describe, expect, it } from 'vitest';
import { poolTracker } from '../../../src/cli/rollout/pool-progress.js';
import { type PlanDocument } from '../../../src/plan/document.js';

const NEW = 'ab'.repeat(32);
const OLD = 'cd'.repeat(32);

const host = (name: string, action: 'replace' | 'skip' = 'replace', unit?: string[]) => ({
  name,
  address: '10.0.0.1',
  bindings: [
    { id: `${name}:443`, action, current: action === 'skip' ? NEW : OLD },
    { id: `${name}:8443`, action, current: OLD },
  ],
  ...(unit !== undefined ? { units: [{ bindings: unit, commands: [] }] } : {}),
});

/** Pool shop over web-01..03 (web-03's member binding :443 is bound with :8443 as its leader). */
const PLAN = {
  bundle: { sha256: NEW },
  environments: [
    {
      name: 'prod',
      hosts: [
        host('web-01'),
        host('web-02'),
        host('web-03', 'replace', ['web-03:8443', 'web-03:443']),
      ],
      pools: [
        {
          name: 'shop',
          members: ['web-01 web-01:443', 'web-02 web-02:443', 'web-03 web-03:443'],
        },
      ],
    },
  ],
} as unknown as PlanDocument;

const verify = (h: string, binding: string, ok: boolean, observed?: string) =>
  [
    'step-finished',
    { step: 'verify', host: h, binding, ok, ...(observed !== undefined ? { observed } : {}) },
  ] as const;

describe('which pool member serves what', () => {
  it('counts a member new once its binding is proven, naming those still on the old certificate', () => {
    const t = poolTracker(PLAN);
    expect(
      t.record('step-finished', { step: 'bind', host: 'web-01', binding: 'web-01:443' }),
    ).toEqual([]);
    expect(t.record(...verify('web-01', 'web-01:443', true, NEW))).toEqual([
      {
        env: 'prod',
        pool: 'shop',
        members: 3,
        new: ['web-01'],
        old: ['web-02', 'web-03'],
        unproven: [],
        text: 'pool shop: 1/3 new (web-02, web-03 old)',
      },
    ]);
    // A binding of the host that is not the member's changes nothing.
    expect(t.record(...verify('web-02', 'web-02:8443', true, NEW))).toEqual([]);
  });

  it("follows the records of the member's unit, by its leader", () => {
    const t = poolTracker(PLAN);
    expect(t.record(...verify('web-03', 'web-03:8443', true, NEW))[0]?.text).toBe(
      'pool shop: 1/3 new (web-01, web-02 old)',
    );
  });

  it('tells old from not proven by what the probe saw, and puts a member back to old once its rollback is proven', () => {
    const t = poolTracker(PLAN);
    t.record(...verify('web-01', 'web-01:443', true, NEW));
    expect(t.record(...verify('web-02', 'web-02:443', false, OLD))).toEqual([]);
    expect(t.record(...verify('web-02', 'web-02:443', false))[0]?.text).toBe(
      'pool shop: 1/3 new (web-03 old; web-02 not proven)',
    );
    const back = t.record('step-finished', {
      step: 'verifyRollback',
      host: 'web-02',
      binding: 'web-02:443',
      ok: true,
      observed: OLD,
    });
    expect(back[0]?.text).toBe('pool shop: 1/3 new (web-02, web-03 old)');
    expect(
      t.record('step-failed', {
        step: 'verify',
        host: 'web-01',
        binding: 'web-01:443',
        error: { code: 'X', message: 'timeout' },
      })[0]?.text,
    ).toBe('pool shop: 0/3 new (web-02, web-03 old; web-01 not proven)');
  });

  it('counts a member already current as new from the start', () => {
    const plan = {
      ...PLAN,
      environments: [
        {
          ...PLAN.environments[0]!,
          hosts: [host('web-01', 'skip'), host('web-02'), host('web-03')],
        },
      ],
    } as unknown as PlanDocument;
    const t = poolTracker(plan);
    expect(t.record(...verify('web-02', 'web-02:443', true, NEW))[0]?.text).toBe(
      'pool shop: 2/3 new (web-03 old)',
    );
  });
});
