// The sweep takes verification's handshakes as its own only in a run where every binding ended
// verified or already current: after any rollback, every port is probed afresh.
import { describe, expect, it } from 'vitest';
import { type Inventory } from '../../../src/inventory/model.js';
import { type PlanDocument } from '../../../src/plan/document.js';
import { type ProbeFn } from '../../../src/probe/shared.js';
import { witnessProbe } from '../../../src/probe/witness.js';
import { sweepProbe } from '../../../src/rollout/sweep.js';
import { type RolloutOutput } from '../../../src/workflow/types.js';
import { FP_A, cert, ok } from '../probe/fixtures.js';

const target = { address: '127.0.0.1', port: 443, sni: 'app.test' };
const plan = { bundle: { sha256: FP_A } } as unknown as PlanDocument;
const inventory = (vips: { address: string; port: number }[] = []): Inventory =>
  ({
    environments: [{ name: 'prod', hosts: [], pools: [{ name: 'web', vips }] }],
  }) as unknown as Inventory;
const output = (status: RolloutOutput['status']): RolloutOutput => ({
  runId: 'r',
  status,
  environments: [],
  notStarted: [],
});

describe('the sweep after a run', () => {
  it('repeats no handshake verification just made, unless the run did not succeed or it was to a VIP', async () => {
    const w = witnessProbe(() =>
      Promise.resolve(ok(cert(FP_A, 90), { at: new Date().toISOString() })),
    );
    await w.probe(target);
    let fresh = 0;
    const probe: ProbeFn = (t) => {
      fresh++;
      return Promise.resolve(ok(cert(FP_A, 90), { target: t }));
    };
    await sweepProbe(plan, inventory(), output('succeeded'), probe, w)(target);
    expect(fresh).toBe(0);
    await sweepProbe(plan, inventory(), output('failed'), probe, w)(target);
    await sweepProbe(plan, inventory(), output('succeeded'), probe, undefined)(target);
    expect(fresh).toBe(2);
    // A pool's VIP: verification's handshake was one sample of its members; the sweep takes its own.
    await sweepProbe(plan, inventory([target]), output('succeeded'), probe, w)(target);
    expect(fresh).toBe(3);
  });
});
