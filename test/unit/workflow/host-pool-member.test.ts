import { createActor, toPromise } from 'xstate';
import { describe, expect, it } from 'vitest';
import { vipSamplesFor } from '../../../src/inventory/pools.js';
import { createHostMachine } from '../../../src/workflow/host-machine.js';
import { type HostOutput } from '../../../src/workflow/types.js';
import { fakeSteps, type Scenario } from '../../helpers/fake-steps.js';

// web-01's 443 is a member of a pool behind a balancer; its 9000 is not.
const HOST = { name: 'web-01', bindings: ['443', '9000'], drain: ['443'] };

async function run(scenario: Scenario = {}, coldStart = false) {
  const steps = fakeSteps(scenario);
  const actor = createActor(createHostMachine(steps), { input: { ...HOST, coldStart } });
  actor.start();
  const output: HostOutput = await toPromise(actor);
  return {
    output,
    calls: steps.calls.filter((c) => !/^(connect|lock|capture|stage|cleanup|release)/.test(c)),
  };
}

describe('a pool member in the host machine', () => {
  it('is drained before its bind and returned only after it is proven, cold start included', async () => {
    const { output, calls } = await run({}, true);
    expect(calls).toEqual([
      'drain web-01/443',
      'bind web-01/443',
      'verify web-01/443',
      'restart web-01/443',
      'verify web-01/443',
      'return web-01/443',
      'bind web-01/9000',
      'verify web-01/9000',
      'restart web-01/9000',
      'verify web-01/9000',
    ]);
    expect(output.status).toBe('verified');
    expect(output.bindings['443']?.status).toBe('verified');
  });

  it('goes back to the pool after a failed cold start only once its rollback is proven', async () => {
    const { output, calls } = await run({ lostOnRestart: ['web-01/443'] }, true);
    expect(calls).toEqual([
      'drain web-01/443',
      'bind web-01/443',
      'verify web-01/443',
      'restart web-01/443',
      'verify web-01/443',
      'rollback web-01/443',
      'verifyRollback web-01/443',
      'return web-01/443',
    ]);
    expect(output.bindings['443']?.status).toBe('rolled-back');
  });

  it('stays drained when its rollback cannot be proven', async () => {
    const { output, calls } = await run({
      verifyFails: ['web-01/443'],
      rollbackUnproven: ['web-01/443'],
    });
    expect(calls).not.toContain('return web-01/443');
    expect(output.bindings['443']?.status).toBe('needs-attention');
  });

  it('is not bound when its drain fails, and its host ends untouched', async () => {
    const { output, calls } = await run({ drainFails: ['web-01/443'] });
    expect(calls).toEqual(['drain web-01/443']);
    expect(output.status).toBe('untouched');
  });

  it('is needs-attention when it is proven on the previous certificate but cannot return', async () => {
    const { output } = await run({ verifyFails: ['web-01/443'], returnFails: ['web-01/443'] });
    expect(output.bindings['443']).toMatchObject({ status: 'needs-attention' });
    expect(output.bindings['443']?.reason).toContain('still drained');
  });
});

describe('VIP samples', () => {
  it('reach every member with 99 % probability under random balancing', () => {
    expect([1, 2, 3, 4, 5].map(vipSamplesFor)).toEqual([1, 8, 15, 21, 28]);
    for (const m of [2, 3, 5, 10]) {
      const n = vipSamplesFor(m);
      expect(m * (1 - 1 / m) ** n).toBeLessThanOrEqual(0.01);
      expect(m * (1 - 1 / m) ** (n - 1)).toBeGreaterThan(0.01);
    }
  });
});
