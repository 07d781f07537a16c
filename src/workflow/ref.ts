// The rollout machine's input, built from the inventory: environments in order with their
// policies, hosts with their bindings grouped into units.
import { type Environment, type Inventory } from '../inventory/model.js';
import { type Playbook } from '../playbooks/index.js';
import { undoneLast, unitsOf } from '../plan/units.js';
import { type RolloutRef } from './types.js';

const behindBalancer = (e: Environment, host: string, binding: string): boolean =>
  (e.pools ?? []).some(
    (p) =>
      p.balancer !== undefined && p.members.some((m) => m.host === host && m.binding === binding),
  );

/** The playbook of binding `id` (undefined for an unknown kind: the pre-flight reports it). */
function playbookOf(
  playbookFor: (kind: string) => Playbook | undefined,
  bindings: readonly { id: string; kind: string }[],
  id: string,
): Playbook | undefined {
  const kind = bindings.find((b) => b.id === id)?.kind;
  try {
    return kind === undefined ? undefined : playbookFor(kind);
  } catch {
    return undefined;
  }
}

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
      hosts: e.hosts.map((h) => {
        const units = unitsOf(h, playbookFor);
        const drain = units
          .map((u) => u[0] ?? '')
          .filter((leader) => behindBalancer(e, h.name, leader));
        const undoLast = units
          .map((u) => u[0] ?? '')
          .filter((leader) => undoneLast(playbookOf(playbookFor, h.bindings, leader)));
        return {
          name: h.name,
          bindings: h.bindings.map((b) => b.id),
          units,
          ...(drain.length > 0 ? { drain } : {}),
          ...(undoLast.length > 0 ? { undoLast } : {}),
        };
      }),
      ...((e.pools?.length ?? 0) > 0
        ? {
            pools: (e.pools ?? []).map((p) => ({
              name: p.name,
              members: p.members.map((m) => ({ host: m.host, binding: m.binding })),
              onMemberFailure: p.onMemberFailure,
            })),
          }
        : {}),
      canary: e.policy.canary,
      batchSize: e.policy.batchSize,
      concurrency: e.policy.concurrency,
      failureBudget: e.policy.failureBudget,
      onFailure: e.policy.onFailure,
      approval: e.policy.approval,
      soakMs: e.policy.soakMs,
      coldStartCheck: e.policy.coldStartCheck,
      ...(e.policy.undo === 'unit' ? { undo: 'unit' as const } : {}),
    })),
  };
}

/** An environment whose policy's soak `--soak` replaced, and that soak. */
export interface SoakReplaced {
  readonly env: string;
  readonly policyMs: number;
}

/**
 * `--soak`: one soak for every environment of the run instead of each policy's (0 = none, the
 * re-probe included). Returns the environments whose soak it changed, for the run's warning.
 */
export function overrideSoak(
  ref: RolloutRef,
  soakMs: number,
): { ref: RolloutRef; replaced: SoakReplaced[] } {
  const replaced = ref.environments
    .filter((e) => e.soakMs !== soakMs)
    .map((e) => ({ env: e.name, policyMs: e.soakMs }));
  return {
    ref: { ...ref, environments: ref.environments.map((e) => ({ ...e, soakMs })) },
    replaced,
  };
}
