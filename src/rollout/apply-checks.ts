// What `apply` does before it changes anything: take the environments' locks (first of all), then,
// under them, refuse a stale plan and check coverage again. Nothing here changes a host.
import { CertrollError } from '../errors.js';
import { type HostFacts } from '../discover/coverage.js';
import { type Host } from '../inventory/model.js';
import { locksDir, lockEnvironments, newRunId, type EnvironmentLocks } from '../journal/index.js';
import { buildPlan, planPins, type PlanDocument } from '../plan/document.js';
import { describeDrift, planDrift } from '../plan/pins.js';
import { sharedProbe, type ProbeFn } from '../probe/shared.js';
import { type RolloutAdapters } from './ports.js';
import { captureAll } from './preflight.js';
import { NOTHING_TOUCHED, type Prepared } from './prepare.js';
import { replacedBy } from './sweep.js';

/** What the pre-run checks share with the run: connections, how many hosts at once, the probe. */
export interface ReadOptions {
  readonly adapters: RolloutAdapters;
  readonly concurrency?: number;
  /** Shared with the coverage gate that follows (src/probe/shared.ts). */
  readonly probe?: ProbeFn;
  readonly stateDirFor?: (host: Host) => string | undefined;
}

/**
 * Takes the lock of every environment the run will touch, first of all: before the plan's
 * freshness check or any host is read, so a second apply is refused (LOCK_HELD) without logging
 * in anywhere. A resumed run takes back the locks its dead process left.
 */
export function lockRun(
  stateDir: string,
  environments: readonly { readonly name: string }[],
  resume?: { readonly runId: string },
): EnvironmentLocks {
  return lockEnvironments(
    locksDir(stateDir),
    environments.map((e) => e.name),
    resume?.runId ?? newRunId(),
    resume !== undefined,
  );
}

/** Re-captures every binding and refuses the plan when the bundle, inventory or a binding moved. */
export async function assertPlanFresh(
  plan: PlanDocument,
  prepared: Prepared,
  options: ReadOptions,
): Promise<void> {
  const captures = await captureAll(prepared, {
    runId: 'freshness-check',
    transportFor: options.adapters.transportFor,
    verifier: options.adapters.verifier(prepared.trustPem, options.probe),
    ...(options.stateDirFor ? { stateDirFor: options.stateDirFor } : {}),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
  });
  const now = buildPlan(
    prepared.inventory,
    plan.inventory.path,
    { ...plan.bundle, sha256: prepared.cert.sha256 },
    captures,
  );
  const drift = planDrift(planPins(plan), {
    ...planPins(now),
    inventoryDigest: prepared.inventory.digest,
  });
  if (drift.length > 0) {
    throw new CertrollError(
      'PLAN_STALE',
      `The plan is stale: ${drift.length} thing(s) changed since it was made. ${NOTHING_TOUCHED}`,
      {
        details: drift.map((d) => ({ message: describeDrift(d) })),
        hint: 'Make a new plan (`certroll plan ...`) and review it again.',
      },
    );
  }
}

/**
 * What `apply` checks before it changes anything, under the environments' locks: the plan is
 * still fresh, and coverage still holds. Returns what the gate read, for the sweep.
 */
export async function preflightApply(
  plan: PlanDocument,
  prepared: Prepared,
  o: ReadOptions & { readonly discoverConcurrency?: number },
): Promise<ReadonlyMap<string, HostFacts>> {
  // The freshness check and the gate ask some ports the same question: one handshake.
  const probe = o.probe ?? sharedProbe(o.adapters.probe);
  await assertPlanFresh(plan, prepared, { ...o, probe });
  const { assertCoverage } = await import('../discover/rollout-hooks.js');
  const { facts } = await assertCoverage(prepared.inventory, replacedBy(plan), NOTHING_TOUCHED, {
    trust: prepared.trustPem,
    transportFor: o.adapters.transportFor,
    ...(o.discoverConcurrency !== undefined ? { concurrency: o.discoverConcurrency } : {}),
    probe,
  });
  return facts;
}
