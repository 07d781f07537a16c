// The sweep after a run: every host is read again for the certificates the plan replaced; a port
// still serving one fails the run, verified or not. Bindings the run rolled back are expected to
// serve them again and are left out.
import { type HostFacts } from '../discover/coverage.js';
import { type Inventory } from '../inventory/model.js';
import { type PlanDocument } from '../plan/document.js';
import { type RolloutOutput } from '../workflow/index.js';
import { type ProbeFn } from '../probe/shared.js';
import { provenOr, type Witness } from '../probe/witness.js';
import { type RolloutAdapters } from './ports.js';
import { type Prepared } from './prepare.js';

export interface Sweep {
  /** Nothing serves a replaced certificate outside the bindings rolled back. */
  readonly clean: boolean;
  /** The report, for the operator. */
  readonly text: string;
}

export async function sweep(
  plan: PlanDocument,
  prepared: Prepared,
  output: RolloutOutput,
  o: {
    readonly adapters: RolloutAdapters;
    readonly known?: ReadonlyMap<string, HostFacts>;
    /** The run's own handshakes (verification's), newest per target. */
    readonly witness?: Pick<Witness, 'latest'>;
  },
): Promise<Sweep> {
  const { sweepOld } = await import('../discover/rollout-hooks.js');
  const rolledBack = new Set(
    output.environments.flatMap((e) =>
      Object.values(e.hosts).flatMap((h) =>
        Object.entries(h.bindings)
          .filter(([, b]) => b.status !== 'verified' && b.status !== 'skipped')
          .map(([id]) => `${h.host} ${id}`),
      ),
    ),
  );
  return sweepOld(prepared.inventory, replacedBy(plan), {
    trust: prepared.trustPem,
    rolledBack,
    transportFor: o.adapters.transportFor,
    probe: sweepProbe(plan, prepared.inventory, output, o.adapters.probe, o.witness),
    ...(o.known !== undefined ? { known: o.known } : {}),
  });
}

/**
 * What the sweep asks with. In a run where every binding ended verified or already current
 * (nothing rolled back, so nothing the run touched went back to an old certificate), a target
 * whose newest handshake in this run saw the new leaf moments ago is taken as asked: the
 * handshake verification made there is the sweep's answer. Every other target, and every pool
 * VIP, is probed afresh.
 */
export function sweepProbe(
  plan: PlanDocument,
  inventory: Inventory,
  output: RolloutOutput,
  probe: ProbeFn,
  witness: Pick<Witness, 'latest'> | undefined,
): ProbeFn {
  // succeeded: every binding ended verified or already current (RolloutOutput).
  if (witness === undefined || output.status !== 'succeeded') return probe;
  const proven = provenOr(probe, witness, plan.bundle.sha256);
  // A VIP's handshake is one sample of its members (one may be old, behind a round-robin
  // balancer): the sweep takes a sample of its own.
  const vips = vipsOf(inventory);
  return (target, options) =>
    vips.has(`${target.address}|${target.port}`) ? probe(target, options) : proven(target, options);
}

/** Every pool VIP of the inventory, as `address|port`. */
function vipsOf(inventory: Inventory): Set<string> {
  const vips = inventory.environments.flatMap((e) => [
    ...(e.pools ?? []).flatMap((p) => p.vips),
    ...e.hosts.flatMap((h) => h.bindings.flatMap((b) => b.probe.pool?.vip ?? [])),
  ]);
  return new Set(vips.map((v) => `${v.address}|${v.port}`));
}

/** The certificates a plan replaces: what its bindings served, except the new one, and --old. */
export function replacedBy(plan: PlanDocument): (string | undefined)[] {
  return [
    ...plan.environments
      .flatMap((e) => e.hosts.flatMap((h) => h.bindings))
      .map((b) => (b.current !== plan.bundle.sha256 ? b.current : undefined)),
    ...(plan.replaces ?? []),
  ];
}
