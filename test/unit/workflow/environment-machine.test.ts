import { createActor, toPromise } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createEnvironmentMachine } from '../../../src/workflow/environment-machine.js';
import { planWaves } from '../../../src/workflow/waves.js';
import { type EnvironmentRef } from '../../../src/workflow/types.js';
import { fakeSteps, type Scenario } from '../../helpers/fake-steps.js';

function env(overrides: Partial<EnvironmentRef> = {}, hostCount = 6): EnvironmentRef {
  const hosts = Array.from({ length: hostCount }, (_, i) => ({
    name: `h${i + 1}`,
    bindings: ['443'],
  }));
  return {
    name: 'prod',
    hosts,
    canary: [],
    batchSize: 100,
    concurrency: 2,
    failureBudget: 0,
    onFailure: 'halt',
    ...overrides,
  };
}

async function run(ref: EnvironmentRef, scenario: Scenario = {}) {
  const steps = fakeSteps(scenario);
  const actor = createActor(createEnvironmentMachine(steps), { input: ref });
  actor.start();
  const output = await toPromise(actor);
  return { output, steps };
}

const started = (calls: readonly string[]) =>
  calls.filter((c) => c.startsWith('connect ')).map((c) => c.slice(8));

describe('wave planning', () => {
  it('puts canary hosts first, then batches in inventory order', () => {
    expect(planWaves(['a', 'b', 'c', 'd', 'e'], { canary: ['c'], batchSize: 2 })).toEqual([
      { canary: true, hosts: ['c'] },
      { canary: false, hosts: ['a', 'b'] },
      { canary: false, hosts: ['d', 'e'] },
    ]);
  });

  it('ends a batch before a second member of a pool it holds, so a pool changes one member at a time', () => {
    const pools = [
      { members: [{ host: 'lb-1' }, { host: 'lb-2' }] },
      { members: [{ host: 'app-1' }, { host: 'app-2' }, { host: 'app-3' }] },
    ];
    const hosts = ['web', 'lb-1', 'lb-2', 'app-1', 'app-2', 'app-3', 'db'];
    expect(planWaves(hosts, { canary: ['web'], batchSize: 3, pools })).toEqual([
      { canary: true, hosts: ['web'] },
      { canary: false, hosts: ['lb-1'] },
      { canary: false, hosts: ['lb-2', 'app-1'] },
      { canary: false, hosts: ['app-2'] },
      { canary: false, hosts: ['app-3', 'db'] },
    ]);
    // Without pools, the same hosts in plain batches of 3.
    expect(planWaves(hosts, { canary: ['web'], batchSize: 3 }).map((w) => w.hosts)).toEqual([
      ['web'],
      ['lb-1', 'lb-2', 'app-1'],
      ['app-2', 'app-3', 'db'],
    ]);
  });

  it('treats a batch size below one as one and ignores canary names not in the environment', () => {
    expect(planWaves(['a', 'b'], { canary: ['zz'], batchSize: 0 })).toEqual([
      { canary: false, hosts: ['a'] },
      { canary: false, hosts: ['b'] },
    ]);
  });
});

describe('the environment machine', () => {
  it('runs every host, never more than `concurrency` at once, and succeeds', async () => {
    const { output, steps } = await run(env({ concurrency: 3 }), { delayMs: 5 });
    expect(output.status).toBe('succeeded');
    expect(Object.keys(output.hosts).sort()).toEqual(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
    expect(steps.maxConcurrentHosts()).toBe(3);
  });

  it('finishes the canary wave before any other host starts', async () => {
    const { steps } = await run(env({ canary: ['h4'], batchSize: 2 }), { delayMs: 2 });
    const firstOther = steps.calls.findIndex((c) => c.startsWith('connect ') && c !== 'connect h4');
    expect(steps.calls.indexOf('release+unlock h4')).toBeLessThan(firstOther);
    expect(started(steps.calls).slice(1, 3).sort()).toEqual(['h1', 'h2']);
  });

  it('stops after a failed canary whatever the budget, starting no other host', async () => {
    const { output, steps } = await run(env({ canary: ['h2'], failureBudget: 5 }), {
      verifyFails: ['h2/443'],
    });
    expect(started(steps.calls)).toEqual(['h2']);
    expect(output.status).toBe('failed');
    expect(output.reason).toContain('canary host h2');
    expect(output.notStarted).toEqual(['h1', 'h3', 'h4', 'h5', 'h6']);
  });

  it('counts an unreachable host against the failure budget and stops starting hosts once it is spent', async () => {
    const { output, steps } = await run(env({ concurrency: 1, batchSize: 2, failureBudget: 1 }), {
      unreachable: ['h2'],
      verifyFails: ['h3/443'],
    });
    expect(started(steps.calls)).toEqual(['h1', 'h2', 'h3']);
    expect(output.failures).toBe(2);
    expect(output.status).toBe('failed');
    expect(output.reason).toContain('failure budget of 1 exceeded');
    expect(output.hosts['h2']?.status).toBe('unreachable');
  });

  it('keeps going within the budget and reports the failure', async () => {
    const { output } = await run(env({ failureBudget: 1 }), { verifyFails: ['h5/443'] });
    expect(output.status).toBe('succeeded');
    expect(output.failures).toBe(1);
    expect(output.notStarted).toEqual([]);
  });

  it('lets running hosts finish when the budget is spent', async () => {
    const { output } = await run(env({ concurrency: 2, batchSize: 2 }), {
      verifyFails: ['h1/443'],
      delayMs: 3,
    });
    expect(output.hosts['h2']?.status).toBe('verified');
    expect(output.notStarted).toEqual(['h3', 'h4', 'h5', 'h6']);
  });

  it('rolls back the hosts it completed, newest first, when the policy says so', async () => {
    const { output, steps } = await run(
      env({ concurrency: 1, batchSize: 10, onFailure: 'rollback-environment' }),
      {
        verifyFails: ['h3/443'],
      },
    );
    expect(steps.calls.filter((c) => c.startsWith('rollbackHost'))).toEqual([
      'rollbackHost h2',
      'rollbackHost h1',
    ]);
    expect(output.status).toBe('rolled-back');
    expect(output.hosts['h1']?.status).toBe('rolled-back');
    expect(output.hosts['h3']?.status).toBe('rolled-back');
  });

  it('marks a host needing attention when its environment rollback fails, and continues with the others', async () => {
    const { output, steps } = await run(
      env({ concurrency: 1, onFailure: 'rollback-environment' }),
      {
        verifyFails: ['h3/443'],
        envRollbackFails: ['h2'],
      },
    );
    expect(steps.calls).toContain('rollbackHost h1');
    expect(output.hosts['h2']?.status).toBe('needs-attention');
  });
});
