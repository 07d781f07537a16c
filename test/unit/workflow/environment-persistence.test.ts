import { createActor, toPromise, type Snapshot } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createEnvironmentMachine } from '../../../src/workflow/environment-machine.js';
import { type EnvironmentRef } from '../../../src/workflow/types.js';
import { fakeSteps, type Scenario } from '../../helpers/fake-steps.js';

const ENV: EnvironmentRef = {
  name: 'prod',
  hosts: ['h1', 'h2', 'h3'].map((name) => ({ name, bindings: ['443', '7147'] })),
  canary: ['h1'],
  batchSize: 2,
  concurrency: 2,
  failureBudget: 0,
  onFailure: 'rollback-environment',
};

const scenarios: Record<string, Scenario> = {
  success: {},
  'a failure rolls the environment back': { verifyFails: ['h3/7147'] },
};

describe('environment machine snapshots', () => {
  for (const [name, scenario] of Object.entries(scenarios)) {
    it(`restore from every reachable state, running hosts included, and finish the same way (${name})`, async () => {
      const actor = createActor(createEnvironmentMachine(fakeSteps(scenario)), { input: ENV });
      const snapshots: string[] = [];
      actor.subscribe(() => snapshots.push(JSON.stringify(actor.getPersistedSnapshot())));
      actor.start();
      const output = await toPromise(actor);
      expect(snapshots.length).toBeGreaterThan(3);
      for (const json of snapshots) {
        const restored = createActor(createEnvironmentMachine(fakeSteps(scenario)), {
          input: ENV,
          snapshot: JSON.parse(json) as Snapshot<unknown>,
        });
        restored.start();
        await expect(toPromise(restored)).resolves.toEqual(output);
      }
    });
  }
});
