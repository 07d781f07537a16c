// Making a plan: the one pipeline `plan`, `rollout` and the demo share. Every host is reached and
// every binding captured (read-only), every command the run will take is rendered from its
// capture (a step that cannot be rendered fails the plan, not the run), the coverage gate checks
// that nothing on a replaced certificate is left unlisted, and the plan document is built, pinned
// to all of it. Nothing changes on any host.
import { type HostFacts } from '../discover/coverage.js';
import { type CapturedState } from '../playbooks/index.js';
import { unitCommands, type PlannedUnit } from '../plan/commands.js';
import { buildPlan, type CapturedBinding, type PlanDocument } from '../plan/document.js';
import { sharedProbe, type ProbeFn } from '../probe/shared.js';
import { type RolloutAdapters } from './ports.js';
import { captureAll } from './preflight.js';
import { NOTHING_TOUCHED, type Prepared } from './prepare.js';

export interface MakePlanOptions {
  readonly adapters: RolloutAdapters;
  /** Where the bundle came from, as the plan records it. */
  readonly bundle: {
    readonly path: string;
    readonly keyPath?: string;
    readonly chainPaths?: readonly string[];
  };
  /** The inventory's path, as the plan records it. */
  readonly inventoryPath: string;
  /**
   * Certificates replaced besides what the bindings serve (`--old`, `--old-bundle`); an --old
   * prefix is resolved against what the hosts serve, and the plan records it whole.
   */
  readonly replaces?: readonly string[];
  /** Hosts captured at once, and hosts the gate reads at once. */
  readonly concurrency?: { readonly capture?: number; readonly discover?: number };
  /** The verifier to capture with instead of the adapters' (the demo shortens its deadline). */
  readonly verifier?: ReturnType<RolloutAdapters['verifier']>;
}

export interface MadePlan {
  readonly plan: PlanDocument;
  /** What the gate read on each host: the sweep at the end of the same command reuses it. */
  readonly known: ReadonlyMap<string, HostFacts>;
}

export async function makePlan(prepared: Prepared, o: MakePlanOptions): Promise<MadePlan> {
  const units = new Map<string, PlannedUnit[]>();
  // The capture and the gate ask some ports the same question seconds apart: one handshake.
  const expiries = new Map<string, string>();
  const probe = withExpiries(sharedProbe(o.adapters.probe), expiries);
  const captures = await captureAll(prepared, {
    runId: 'preflight',
    transportFor: o.adapters.transportFor,
    ...(o.concurrency?.capture !== undefined ? { concurrency: o.concurrency.capture } : {}),
    verifier: o.verifier ?? o.adapters.verifier(prepared.trustPem, probe),
    onUnit: (env, host, unit, c) => {
      const leader = host.bindings.find((b) => b.id === unit[0]);
      if (c.alreadyCurrent || leader === undefined) return;
      const { captured } = c.state as { captured: CapturedState };
      const key = `${env.name}/${host.name}`;
      const planned = unitCommands(
        prepared,
        host,
        env.policy.coldStartCheck,
        unit,
        leader,
        captured,
      );
      units.set(key, [...(units.get(key) ?? []), planned]);
    },
  });
  const named = o.replaces ?? [];
  // The coverage gate: nothing on a certificate being replaced may be left unlisted.
  const { assertCoverage } = await import('../discover/rollout-hooks.js');
  const { facts: known, old } = await assertCoverage(
    prepared.inventory,
    [
      ...[...captures.values()].map((c) =>
        c.previous !== prepared.cert.sha256 ? c.previous : undefined,
      ),
      ...named,
    ],
    NOTHING_TOUCHED,
    {
      trust: prepared.trustPem,
      transportFor: o.adapters.transportFor,
      ...(o.concurrency?.discover !== undefined ? { concurrency: o.concurrency.discover } : {}),
      probe,
    },
  );
  // --old prefixes, resolved by the gate against what the hosts serve, are recorded whole.
  const replaces = named.map((n) => [...old].find((s) => s.startsWith(n)) ?? n);
  const plan = buildPlan(
    prepared.inventory,
    o.inventoryPath,
    {
      path: o.bundle.path,
      ...(o.bundle.keyPath !== undefined ? { keyPath: o.bundle.keyPath } : {}),
      ...(o.bundle.chainPaths !== undefined && o.bundle.chainPaths.length > 0
        ? { chainPaths: o.bundle.chainPaths }
        : {}),
      ...prepared.cert,
    },
    withPreviousExpiry(captures, expiries),
    new Date(),
    units,
  );
  return { plan: replaces.length > 0 ? { ...plan, replaces } : plan, known };
}

/** The probe, noting the notAfter of every leaf it sees (by SHA-256) for the plan's report. */
function withExpiries(probe: ProbeFn, expiries: Map<string, string>): ProbeFn {
  return async (target, options) => {
    const r = await probe(target, options);
    if (r.ok) {
      const at = Date.parse(r.leaf.notAfter);
      if (Number.isFinite(at)) expiries.set(r.leaf.sha256, new Date(at).toISOString());
    }
    return r;
  };
}

/** Each capture with when the certificate it saw served expires, where a probe saw that leaf. */
function withPreviousExpiry(
  captures: ReadonlyMap<string, CapturedBinding>,
  expiries: ReadonlyMap<string, string>,
): Map<string, CapturedBinding> {
  return new Map(
    [...captures].map(([key, c]) => {
      const notAfter = c.previous !== undefined ? expiries.get(c.previous) : undefined;
      return [key, notAfter !== undefined ? { ...c, previousNotAfter: notAfter } : c];
    }),
  );
}
