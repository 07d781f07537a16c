// What the plan says for the ports of a unit (bindings bound together): a port that already
// serves the new certificate is rebound with the others, and the plan and preview say so.
import { describe, expect, it } from 'vitest';
import { unitRecords } from '../../../src/rollout/preflight.js';
import { type PlanDocument } from '../../../src/plan/document.js';
import { renderPreview } from '../../../src/cli/rollout/preview.js';
import { type CaptureResult } from '../../../src/workflow/types.js';

const NEW = 'a'.repeat(64);
const OLD = 'b'.repeat(64);

const member = (previous: string, alreadyCurrent: boolean): CaptureResult => ({
  alreadyCurrent,
  state: { captured: { files: 'x' }, previous },
});

function unitCapture(members: Record<string, CaptureResult>): CaptureResult {
  const all = Object.values(members);
  return {
    alreadyCurrent: all.every((m) => m.alreadyCurrent),
    state: all[0]!.state,
    members,
  };
}

describe('unitRecords', () => {
  it('plans every port of a unit as replaced when one port is not current', () => {
    const c = unitCapture({ p1: member(NEW, true), p2: member(OLD, false) });
    const records = Object.fromEntries(unitRecords(['p1', 'p2'], c));
    expect(records['p1']).toMatchObject({ alreadyCurrent: false, previous: NEW });
    expect(records['p2']).toMatchObject({ alreadyCurrent: false, previous: OLD });
  });

  it('skips a unit only when every port is current', () => {
    const c = unitCapture({ p1: member(NEW, true), p2: member(NEW, true) });
    expect(unitRecords(['p1', 'p2'], c).map(([, r]) => r.alreadyCurrent)).toEqual([true, true]);
  });

  it('keeps each port its own served certificate', () => {
    const c = unitCapture({ p1: member(OLD, false), p2: member(NEW, false) });
    expect(unitRecords(['p1', 'p2'], c).map(([, r]) => r.previous)).toEqual([OLD, NEW]);
  });

  it('records a unit of one from the capture itself', () => {
    const c = member(OLD, false);
    expect(unitRecords(['only'], c)).toEqual([
      ['only', { alreadyCurrent: false, state: c.state, previous: OLD }],
    ]);
  });
});

describe('renderPreview', () => {
  const plan = (bindings: PlanDocument['environments'][0]['hosts'][0]['bindings']) =>
    ({
      version: 1,
      createdAt: '2026-11-22T00:00:00.000Z',
      inventory: { path: '/inv.yaml', digest: 'd' },
      bundle: {
        path: '/b.pem',
        sha256: NEW,
        thumbprint: 'T',
        notAfter: '2027-01-01T00:00:00.000Z',
        subject: 'CN=www',
      },
      environments: [{ name: 'prod', hosts: [{ name: 'web1', address: '10.0.0.1', bindings }] }],
    }) satisfies PlanDocument;
  const b = (id: string, port: number, current: string, action: 'replace' | 'skip') => ({
    id,
    port,
    kind: 'nginx',
    sni: ['www'],
    current,
    action,
    capturedDigest: 'x',
  });

  it('says a current port is rebound with its unit, and counts it as a change', () => {
    const text = renderPreview(plan([b('p1', 443, NEW, 'replace'), b('p2', 8443, OLD, 'replace')]));
    expect(text).toMatch(
      /:443 .*already serves the new certificate; rebound with the ports sharing its files/,
    );
    expect(text).toMatch(/:8443 .*bbbbbbbbbbbb… -> aaaaaaaaaaaa…/);
    expect(text).toContain('2 binding(s) to change, 0 already current.');
  });

  it('says a skipped port already serves the new certificate', () => {
    const text = renderPreview(plan([b('p1', 443, NEW, 'skip')]));
    expect(text).toMatch(/:443 .*already serves the new certificate$/m);
    expect(text).toContain('0 binding(s) to change, 1 already current.');
  });
});
