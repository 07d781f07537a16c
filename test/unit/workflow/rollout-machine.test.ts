import { createActor, toPromise } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createRolloutMachine } from '../../../src/workflow/rollout-machine.js';
import { type RolloutEnvironmentRef, type RolloutRef } from '../../../src/workflow/types.js';
import { fakeSteps, type Scenario } from '../../helpers/fake-steps.js';

function environment(
  name: string,
  overrides: Partial<RolloutEnvironmentRef> = {},
): RolloutEnvironmentRef {
  return {
    name,
    hosts: [1, 2].map((i) => ({ name: `${name}-h${i}`, bindings: ['443'] })),
    canary: [],
    batchSize: 10,
    concurrency: 2,
    failureBudget: 0,
    onFailure: 'halt',
    approval: false,
    soakMs: 0,
    ...overrides,
  };
}

async function run(ref: RolloutRef, scenario: Scenario = {}) {
  const steps = fakeSteps(scenario);
  const actor = createActor(createRolloutMachine(steps), { input: ref });
  actor.start();
  return { output: await toPromise(actor), calls: steps.calls };
}

const envsStarted = (calls: readonly string[]) => [
  ...new Set(
    calls.filter((c) => c.startsWith('connect ')).map((c) => c.split(' ')[1]!.split('-')[0]),
  ),
];

describe('the rollout machine', () => {
  it('runs environments in order and succeeds when every binding is verified', async () => {
    const { output, calls } = await run({
      runId: 'r1',
      environments: [environment('staging'), environment('prod')],
    });
    expect(envsStarted(calls)).toEqual(['staging', 'prod']);
    expect(output).toMatchObject({ runId: 'r1', status: 'succeeded', notStarted: [] });
    expect(output.environments.map((e) => e.env)).toEqual(['staging', 'prod']);
  });

  it('does not start a later environment after one fails', async () => {
    const { output, calls } = await run(
      { runId: 'r1', environments: [environment('staging'), environment('prod')] },
      { verifyFails: ['staging-h2/443'] },
    );
    expect(envsStarted(calls)).toEqual(['staging']);
    expect(output.status).toBe('failed');
    expect(output.notStarted).toEqual(['prod']);
    expect(output.reason).toContain('environment staging failed');
  });

  it('asks for approval before a gated environment and stops when it is refused', async () => {
    const { output, calls } = await run(
      {
        runId: 'r1',
        environments: [environment('staging'), environment('prod', { approval: true })],
      },
      { denyApproval: ['prod'] },
    );
    expect(calls).toContain('approve prod');
    expect(envsStarted(calls)).toEqual(['staging']);
    expect(output).toMatchObject({
      status: 'failed',
      notStarted: ['prod'],
      reason: 'approval for prod was not given',
    });
  });

  it('soaks after an environment and stops when the re-probe fails', async () => {
    const { output, calls } = await run(
      {
        runId: 'r1',
        environments: [environment('staging', { soakMs: 60_000 }), environment('prod')],
      },
      { soakFails: ['staging'] },
    );
    expect(calls).toContain('soak 60000ms staging');
    expect(output.status).toBe('failed');
    expect(output.reason).toContain('soak of staging failed');
    expect(output.notStarted).toEqual(['prod']);
  });

  it('fails the run when an environment finished within its budget but a host was not verified', async () => {
    const { output } = await run(
      { runId: 'r1', environments: [environment('staging', { failureBudget: 1 })] },
      { verifyFails: ['staging-h1/443'] },
    );
    expect(output.environments[0]?.status).toBe('succeeded');
    expect(output.status).toBe('failed');
  });
});
