import { createActor, toPromise, type Snapshot } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createHostMachine } from '../../../src/workflow/host-machine.js';
import { type HostOutput } from '../../../src/workflow/types.js';
import { fakeSteps, type Scenario } from '../../helpers/fake-steps.js';

const HOST = { name: 'web-01', bindings: ['443', '8443'] };

/** Runs the scenario once, keeping a JSON copy of the persisted snapshot at every step. */
async function recordRun(
  scenario: Scenario,
): Promise<{ output: HostOutput; snapshots: string[]; states: Set<string> }> {
  const actor = createActor(createHostMachine(fakeSteps(scenario)), { input: HOST });
  const snapshots: string[] = [];
  const states = new Set<string>();
  actor.subscribe((s) => {
    states.add(JSON.stringify(s.value));
    snapshots.push(JSON.stringify(actor.getPersistedSnapshot()));
  });
  actor.start();
  return { output: await toPromise(actor), snapshots, states };
}

const scenarios: Record<string, Scenario> = {
  success: {},
  'verification fails': { verifyFails: ['web-01/8443'] },
  'rollback fails': { verifyFails: ['web-01/8443'], rollbackFails: ['web-01/443'] },
  unreachable: { unreachable: ['web-01'] },
  'stage fails': { stageFails: ['web-01'] },
};

describe('host machine snapshots', () => {
  for (const [name, scenario] of Object.entries(scenarios)) {
    it(`survive a JSON round trip from every reachable state and finish the same way (${name})`, async () => {
      const { output, snapshots, states } = await recordRun(scenario);
      expect(snapshots.length).toBeGreaterThan(2);
      expect(states.size).toBeGreaterThan(2);
      for (const json of snapshots) {
        const restored = createActor(createHostMachine(fakeSteps(scenario)), {
          input: HOST,
          snapshot: JSON.parse(json) as Snapshot<unknown>,
        });
        restored.start();
        await expect(toPromise(restored)).resolves.toEqual(output);
      }
    });
  }
});
