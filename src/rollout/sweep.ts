// The sweep after a run: every host is read again for the certificates the plan replaced; a port
// still serving one fails the run, verified or not. Bindings the run rolled back are expected to
// serve them again and are left out.
import { type HostFacts } from '../discover/coverage.js';
import { type PlanDocument } from '../plan/document.js';
import { type RolloutOutput } from '../workflow/index.js';
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
  o: { readonly adapters: RolloutAdapters; readonly known?: ReadonlyMap<string, HostFacts> },
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
    probe: o.adapters.probe,
    ...(o.known !== undefined ? { known: o.known } : {}),
  });
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
