import { describe, expect, it } from 'vitest';
import { classifyEndpoint, worst } from '../../../src/probe/status.js';
import { exitCodeForStatus } from '../../../src/report/status.js';
import { type StatusPolicy } from '../../../src/probe/scan-types.js';
import { type ProbeResult } from '../../../src/probe/types.js';
import { FP_A, FP_B, NOW, cert, endpoint, failed, ok } from './fixtures.js';

const policy: StatusPolicy = { warnDays: 30, critDays: 7 };
const classify = (results: readonly ProbeResult[], p: StatusPolicy = policy) =>
  classifyEndpoint({ endpoint: endpoint(), results }, p, NOW);

describe('endpoint status', () => {
  it('is OK for a valid, trusted, matching certificate with time left', () => {
    expect(classify([ok(cert(FP_A, 90))])).toMatchObject({ status: 'OK', reasons: [] });
  });

  it('is WARNING with fewer than warn-days left and CRITICAL with fewer than crit-days', () => {
    expect(classify([ok(cert(FP_A, 29.5))])).toMatchObject({
      status: 'WARNING',
      reasons: ['certificate expires in 29 day(s) (2026-06-30)'],
    });
    expect(classify([ok(cert(FP_A, 30))]).status).toBe('OK');
    expect(classify([ok(cert(FP_A, 6.9))]).status).toBe('CRITICAL');
    expect(classify([ok(cert(FP_A, 7))]).status).toBe('WARNING');
  });

  it('is CRITICAL for an expired leaf and for an expiring chain certificate', () => {
    expect(classify([ok(cert(FP_A, -3))]).reasons).toEqual([
      'certificate expired 3 day(s) ago (2026-05-29)',
    ]);
    const r = classify([
      ok(cert(FP_A, 90), { chain: [cert(FP_B, 2, { subject: 'CN=intermediate' })] }),
    ]);
    expect(r.status).toBe('CRITICAL');
    expect(r.reasons).toEqual([
      'chain certificate CN=intermediate expires in 2 day(s) (2026-06-03)',
    ]);
  });

  it('is CRITICAL when there is no answer: no answer is never a pass', () => {
    expect(classify([failed('refused')])).toMatchObject({
      status: 'CRITICAL',
      reasons: ['no answer (refused): connect ECONNREFUSED'],
    });
    expect(classify([failed('timeout', 'x')]).status).toBe('CRITICAL');
  });

  it('is CRITICAL when the leaf is not the expected one, or still the old one', () => {
    expect(classify([ok(cert(FP_A, 90))], { ...policy, expect: FP_B }).reasons).toEqual([
      `serves ${FP_A.slice(0, 16)}, expected ${FP_B.slice(0, 16)}`,
    ]);
    expect(classify([ok(cert(FP_A, 90))], { ...policy, expect: FP_A }).status).toBe('OK');
    expect(classify([ok(cert(FP_A, 90))], { ...policy, old: FP_A }).status).toBe('CRITICAL');
    expect(classify([ok(cert(FP_A, 90))], { ...policy, old: FP_B }).status).toBe('OK');
  });

  it('is CRITICAL for an untrusted chain, and for a name mismatch on the SNI sent', () => {
    expect(
      classify([
        ok(cert(FP_A, 90), { trust: { trusted: false, reason: 'SELF_SIGNED_CERT_IN_CHAIN' } }),
      ]).reasons,
    ).toEqual(['untrusted chain: SELF_SIGNED_CERT_IN_CHAIN']);
    const mismatch = {
      name: { name: 'app.test', matches: false, reason: 'certificate is not valid for app.test' },
    };
    expect(classify([ok(cert(FP_A, 90), mismatch)]).status).toBe('CRITICAL');
  });

  it('is only WARNING for a name mismatch when no SNI was sent', () => {
    const r = ok(cert(FP_A, 90), {
      target: { address: '127.0.0.1', port: 443, sni: null },
      name: { name: '127.0.0.1', matches: false, reason: 'certificate is not valid for 127.0.0.1' },
    });
    expect(classify([r])).toMatchObject({
      status: 'WARNING',
      reasons: ['name mismatch: certificate is not valid for 127.0.0.1'],
    });
  });

  it('counts a reason repeated over VIP samples once', () => {
    const r = classifyEndpoint(
      {
        endpoint: endpoint({ role: 'vip', member: 'vip', samples: 3 }),
        results: [failed('reset', 'x'), failed('reset', 'x'), ok(cert(FP_A, 90))],
      },
      policy,
      NOW,
    );
    expect(r.reasons).toEqual(['no answer (reset): x (×2)']);
  });

  it('maps statuses to monitoring exit codes and picks the worst', () => {
    expect(
      ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'].map((s) => exitCodeForStatus(s as 'OK')),
    ).toEqual([0, 1, 2, 3]);
    expect(worst(['OK', 'CRITICAL', 'WARNING'])).toBe('CRITICAL');
    expect(worst([])).toBe('OK');
  });
});
