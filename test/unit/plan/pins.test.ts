import { describe, expect, it } from 'vitest';
import { canonicalJson, describeDrift, planDrift, stateDigest } from '../../../src/plan/pins.js';

const base = {
  bundleSha256: 'aa'.repeat(32),
  inventoryDigest: 'bb'.repeat(32),
  captures: { 'prod/web-01/443': 'd1', 'prod/web-01/7147': 'd2' },
};

describe('plan pins', () => {
  it('find no drift in an unchanged world', () => {
    expect(planDrift(base, { ...base, captures: { ...base.captures } })).toEqual([]);
  });

  it('report a changed bundle, inventory and binding state, and added or removed bindings', () => {
    const drift = planDrift(base, {
      bundleSha256: 'cc'.repeat(32),
      inventoryDigest: 'dd'.repeat(32),
      captures: { 'prod/web-01/443': 'd1-changed', 'prod/web-01/7148': 'd3' },
    });
    expect(drift.map((d) => `${d.what} ${d.where}`)).toEqual([
      'bundle certificate bundle',
      'inventory inventory',
      'binding-changed prod/web-01/443',
      'binding-removed prod/web-01/7147',
      'binding-added prod/web-01/7148',
    ]);
    expect(drift.map(describeDrift)[2]).toBe(
      "prod/web-01/443: the binding's current state changed since it was captured",
    );
  });

  it('digest captured state independently of key order but not of values', () => {
    expect(stateDigest({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(
      stateDigest({ b: [1, { d: 3, c: 2 }], a: 1 }),
    );
    expect(stateDigest({ a: 1 })).not.toBe(stateDigest({ a: 2 }));
    expect(canonicalJson({ z: undefined, a: null })).toBe('{"a":null}');
  });
});
