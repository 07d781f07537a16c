// The scan and the verifier probe through the TLS probe they are given (the composition root's
// in the CLI), never one of their own: a recording fake stands in for it here, so these run
// without a network. The real probe over the lab is in test/integration/probe.
import { describe, expect, it } from 'vitest';
import { probeEndpoints } from '../../../src/probe/scan.js';
import { type ProbeFn } from '../../../src/probe/shared.js';
import { type ProbeOptions, type ProbeTarget } from '../../../src/probe/types.js';
import { probeVerifier } from '../../../src/probe/verifier.js';
import { binding } from '../discover/helpers.js';
import { FP_A, FP_B, cert, endpoint, ok } from './fixtures.js';

/** A probe that answers every target with `sha256`, recording what it was asked. */
function recording(sha256: string): { probe: ProbeFn; asked: [ProbeTarget, ProbeOptions?][] } {
  const asked: [ProbeTarget, ProbeOptions?][] = [];
  const probe: ProbeFn = (target, options) => {
    asked.push([target, options]);
    return Promise.resolve(ok(cert(sha256, 90), { target }));
  };
  return { probe, asked };
}

describe('the scan', () => {
  it('probes every endpoint, and every VIP sample, through the probe it is given', async () => {
    const { probe, asked } = recording(FP_A);
    const trust = ['-----BEGIN CERTIFICATE-----'];
    const results = await probeEndpoints(
      [endpoint(), endpoint({ role: 'vip', address: '127.0.0.9', samples: 3 })],
      { probe, warnDays: 30, critDays: 7, timeoutMs: 1234, trust },
    );
    expect(results.map((r) => r.map((x) => x.ok && x.leaf.sha256))).toEqual([
      [FP_A],
      [FP_A, FP_A, FP_A],
    ]);
    expect(asked.map(([t]) => t.address)).toEqual([
      '127.0.0.1',
      '127.0.0.9',
      '127.0.0.9',
      '127.0.0.9',
    ]);
    expect(asked[0]?.[1]).toEqual({ timeoutMs: 1234, trust });
  });
});

describe('the probe verifier', () => {
  const b = binding(443);
  const fast = { initialMs: 1, factor: 1, maxMs: 1, jitter: 0 };

  it('proves a binding through the probe it is given', async () => {
    const { probe, asked } = recording(FP_A);
    const verifier = probeVerifier({ probe, deadlineMs: 500, backoff: fast });
    const signal = new AbortController().signal;
    expect(await verifier.serves(b, FP_A, signal)).toEqual({ ok: true, observed: FP_A });
    expect(await verifier.notServes(b, FP_B, signal)).toEqual({ ok: true, observed: FP_A });
    expect(asked.map(([t]) => `${t.address}:${t.port} ${t.sni}`)).toEqual([
      '10.0.0.5:443 www.example.com',
      '10.0.0.5:443 www.example.com',
    ]);
  });

  it('asks what a port serves now with `currentProbe` when given, else with `probe`', async () => {
    const fresh = recording(FP_A);
    const shared = recording(FP_B);
    const signal = new AbortController().signal;
    expect(await probeVerifier({ probe: fresh.probe }).current(b, signal)).toBe(FP_A);
    const sharing = probeVerifier({ probe: fresh.probe, currentProbe: shared.probe });
    expect(await sharing.current(b, signal)).toBe(FP_B);
    expect([fresh.asked.length, shared.asked.length]).toEqual([1, 1]);
  });

  it("gives each endpoint the binding's own `probe.within` instead of the command's deadline", async () => {
    // The port keeps serving FP_A; FP_B never comes. The command allows 60 s (and attempts
    // enough to fill it), the binding 150 ms.
    const { probe, asked } = recording(FP_A);
    const verifier = probeVerifier({ probe, deadlineMs: 60_000, maxAttempts: 1e6, backoff: fast });
    const signal = new AbortController().signal;
    const started = Date.now();
    const r = await verifier.serves({ ...b, probe: { ...b.probe, withinMs: 150 } }, FP_B, signal);
    expect(r.ok).toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(asked.length).toBeGreaterThan(1);
  });
});
