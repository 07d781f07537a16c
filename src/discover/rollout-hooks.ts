// The two places the rollout calls discovery: the plan gate (before anything changes, every
// endpoint on the certificate being replaced must be bound or excluded) and the sweep after the
// rollout (no endpoint may still serve the old certificate).
import { CertrollError } from '../errors.js';
import { type Inventory } from '../inventory/model.js';
import {
  coverageGapError,
  coverageGaps,
  hostProblems,
  renderLeftovers,
  sweepLeftovers,
} from './gate.js';
import { discoverHosts, type DiscoverOptions, type HostRef } from './run.js';

const refsOf = (inventory: Inventory): HostRef[] =>
  inventory.environments.flatMap((e) => e.hosts.map((host) => ({ env: e.name, host })));

/**
 * Hosts read at once by the gate, the sweep and the capture: the largest `policy.concurrency` of
 * the inventory's environments, never below `floor` (reading changes nothing on a host).
 */
export function readConcurrency(inventory: Inventory, floor = 4): number {
  return Math.max(floor, ...inventory.environments.map((e) => e.policy.concurrency));
}

/** Throws COVERAGE_GAP naming every uncovered endpoint on an old certificate. */
export async function assertCoverage(
  inventory: Inventory,
  old: Iterable<string | undefined>,
  nothingTouched: string,
  o: Omit<DiscoverOptions, 'old'> = {},
): Promise<void> {
  const set = new Set([...old].filter((s): s is string => s !== undefined));
  if (set.size === 0) return;
  const { hosts } = await discoverHosts(refsOf(inventory), {
    concurrency: readConcurrency(inventory),
    ...o,
    old: set,
  });
  const problems = hostProblems(hosts);
  if (problems.length > 0)
    throw new CertrollError(
      'COVERAGE_GAP',
      `Coverage could not be checked on ${problems.length} host(s). ${nothingTouched}`,
      {
        details: problems,
        hint: 'Discovery must see every host before anything changes; `certroll discover -i INV` shows what failed.',
      },
    );
  const gaps = coverageGaps(hosts);
  if (gaps.length > 0) throw coverageGapError(gaps, nothingTouched);
}

/**
 * Probes every TLS port of every host for the old certificate(s); `clean` when none is left.
 * `rolledBack` names bindings (`host binding-id`) the rollout itself put back on the old
 * certificate: they are reported in its summary already, so the sweep looks past them.
 */
export async function sweepOld(
  inventory: Inventory,
  old: Iterable<string | undefined>,
  o: Omit<DiscoverOptions, 'old'> & { rolledBack?: ReadonlySet<string> } = {},
): Promise<{ clean: boolean; text: string }> {
  const set = new Set([...old].filter((s): s is string => s !== undefined));
  if (set.size === 0) return { clean: true, text: '' };
  const { rolledBack, ...discover } = o;
  const { hosts } = await discoverHosts(refsOf(inventory), {
    concurrency: readConcurrency(inventory),
    ...discover,
    old: set,
  });
  const leftovers = sweepLeftovers(hosts, set).filter(
    (l) =>
      !(
        l.endpoint.coverage.kind === 'binding' &&
        rolledBack?.has(`${l.host} ${l.endpoint.coverage.binding}`)
      ),
  );
  const unreachable = hostProblems(hosts).map((p) => p.message);
  return {
    clean: leftovers.length === 0 && unreachable.length === 0,
    text: renderLeftovers(leftovers, unreachable, rolledBack?.size ?? 0),
  };
}
