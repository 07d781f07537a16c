// Policy undo `unit`: a failure undoes only the unit that failed (its bindings restored and
// proven on the previous certificate), the units proven before it stay verified, the host stops
// there, and it still counts as failed. Two Business Central instances (two ports each, one unit
// each) and an IIS site after them.
import { createActor, toPromise, type Snapshot } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createEnvironmentMachine } from '../../../src/workflow/environment-machine.js';
import { createHostMachine } from '../../../src/workflow/host-machine.js';
import { type EnvironmentRef, type HostOutput, type HostRef } from '../../../src/workflow/types.js';
import { fakeSteps, type Scenario } from '../../helpers/fake-steps.js';

const HOST: HostRef = {
  name: 'bc01',
  bindings: ['7047', '7048', '7147', '7148', '443'],
  units: [['7047', '7048'], ['7147', '7148'], ['443']],
  undo: 'unit',
};

const OLD = 'b'.repeat(64);
const NEW = 'a'.repeat(64);

async function run(scenario: Scenario = {}, ref: HostRef = HOST) {
  const steps = fakeSteps(scenario);
  const actor = createActor(createHostMachine(steps), { input: ref });
  actor.start();
  const output: HostOutput = await toPromise(actor);
  return { output, calls: steps.calls };
}

const statuses = (o: HostOutput) =>
  Object.fromEntries(Object.entries(o.bindings).map(([id, b]) => [id, b.status]));

describe('undo unit: only the failed unit is undone', () => {
  it('rolls back the failed instance alone and keeps the one proven before it verified', async () => {
    const { output, calls } = await run({ verifyFails: ['bc01/7148'] });
    expect(calls.slice(calls.indexOf('bind bc01/7147'))).toEqual([
      'bind bc01/7147',
      'verify bc01/7147',
      'rollback bc01/7147',
      'verifyRollback bc01/7147',
      'cleanup bc01',
      'release+unlock bc01',
    ]);
    expect(calls).not.toContain('rollback bc01/7047');
    expect(statuses(output)).toEqual({
      '7047': 'verified',
      '7048': 'verified',
      '7147': 'rolled-back',
      '7148': 'rolled-back',
      '443': 'skipped',
    });
    // The verified instance keeps its capture: `rollback RUN` can still restore it later.
    expect(output.bindings['7048']).toEqual({
      status: 'verified',
      observed: NEW,
      captured: { previous: OLD, key: 'bc01/7048' },
    });
    expect(output.bindings['443']?.reason).toBe('not reached');
    // The host failed: it counts against the failure budget.
    expect(output.status).toBe('rolled-back');
    expect(output.error?.message).toContain('7148');
  });

  it('undoes the whole host by default (undo host), newest first', async () => {
    const { output, calls } = await run({ verifyFails: ['bc01/7148'] }, { ...HOST, undo: 'host' });
    expect(calls.slice(calls.indexOf('rollback bc01/7147'))).toEqual([
      'rollback bc01/7147',
      'verifyRollback bc01/7147',
      'rollback bc01/7047',
      'verifyRollback bc01/7047',
      'cleanup bc01',
      'release+unlock bc01',
    ]);
    expect(output.bindings['7047']?.status).toBe('rolled-back');
  });

  it('undoes only the instance whose restart fails under the cold-start check', async () => {
    const { output, calls } = await run(
      { restartFails: ['bc01/7147'] },
      { ...HOST, coldStart: true },
    );
    expect(calls.filter((c) => c.startsWith('rollback'))).toEqual(['rollback bc01/7147']);
    expect(output.bindings['7047']?.status).toBe('verified');
    expect(output.bindings['7147']?.status).toBe('rolled-back');
  });

  it('reports the unit whose undo cannot be proven, and leaves the verified unit as it is', async () => {
    const { output } = await run({
      bindFails: ['bc01/7147'],
      rollbackUnproven: ['bc01/7148'],
    });
    expect(output.status).toBe('needs-attention');
    expect(statuses(output)).toMatchObject({
      '7047': 'verified',
      '7147': 'rolled-back',
      '7148': 'needs-attention',
    });
  });

  it('ends verified when nothing fails', async () => {
    const { output } = await run();
    expect(output.status).toBe('verified');
    expect(Object.values(statuses(output))).toEqual(Array(5).fill('verified'));
  });

  it('survives a JSON round trip from every reachable state and finishes the same way', async () => {
    const scenario: Scenario = { verifyFails: ['bc01/7148'] };
    const actor = createActor(createHostMachine(fakeSteps(scenario)), { input: HOST });
    const snapshots: string[] = [];
    actor.subscribe(() => snapshots.push(JSON.stringify(actor.getPersistedSnapshot())));
    actor.start();
    const output = await toPromise(actor);
    expect(snapshots.length).toBeGreaterThan(10);
    for (const json of snapshots) {
      const restored = createActor(createHostMachine(fakeSteps(scenario)), {
        input: HOST,
        snapshot: JSON.parse(json) as Snapshot<unknown>,
      });
      restored.start();
      await expect(toPromise(restored)).resolves.toEqual(output);
    }
  });
});

describe('undo unit in an environment', () => {
  const env = (overrides: Partial<EnvironmentRef>): EnvironmentRef => ({
    name: 'prod',
    hosts: [
      { name: 'h1', bindings: ['7047', '7147'] },
      { name: 'h2', bindings: ['7047', '7147'] },
    ],
    canary: [],
    batchSize: 10,
    concurrency: 1,
    failureBudget: 0,
    onFailure: 'halt',
    undo: 'unit',
    ...overrides,
  });

  async function runEnv(ref: EnvironmentRef, scenario: Scenario) {
    const steps = fakeSteps(scenario);
    const actor = createActor(createEnvironmentMachine(steps), { input: ref });
    actor.start();
    return { output: await toPromise(actor), calls: steps.calls };
  }

  it('gives every host the policy, and a host with one failed unit counts against the budget', async () => {
    const { output, calls } = await runEnv(env({}), { verifyFails: ['h1/7147'] });
    expect(output.hosts['h1']?.bindings['7047']?.status).toBe('verified');
    expect(output.hosts['h1']?.bindings['7147']?.status).toBe('rolled-back');
    expect(output.failures).toBe(1);
    expect(output.status).toBe('failed');
    expect(calls).not.toContain('connect h2');
  });

  it('rolling the environment back also restores the units a failed host had proven', async () => {
    const { output, calls } = await runEnv(env({ onFailure: 'rollback-environment' }), {
      verifyFails: ['h1/7147'],
    });
    expect(calls).toContain('rollbackHost h1');
    expect(output.status).toBe('rolled-back');
    expect(output.hosts['h1']?.bindings['7047']?.status).toBe('rolled-back');
  });
});
