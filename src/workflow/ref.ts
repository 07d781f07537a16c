// The rollout machine's input, built from the inventory: environments in order with their
// policies, hosts with their bindings grouped into units.
import { type Inventory } from '../inventory/model.js';
import { type Playbook } from '../playbooks/index.js';
import { unitsOf } from '../plan/units.js';
import { type RolloutRef } from './types.js';

/**
 * The rollout machine's input. `playbookFor` groups each host's bindings into units (bindings
 * staged, bound and undone together, src/plan/units.ts); without it every binding is its own.
 */
export function rolloutRef(
  runId: string,
  inventory: Inventory,
  playbookFor: (kind: string) => Playbook | undefined,
): RolloutRef {
  return {
    runId,
    environments: inventory.environments.map((e) => ({
      name: e.name,
      hosts: e.hosts.map((h) => ({
        name: h.name,
        bindings: h.bindings.map((b) => b.id),
        units: unitsOf(h, playbookFor),
      })),
      canary: e.policy.canary,
      batchSize: e.policy.batchSize,
      concurrency: e.policy.concurrency,
      failureBudget: e.policy.failureBudget,
      onFailure: e.policy.onFailure,
      approval: e.policy.approval,
      soakMs: e.policy.soakMs,
      coldStartCheck: e.policy.coldStartCheck,
    })),
  };
}
