// The two places the rollout calls discovery: the plan gate (before anything changes, every
// endpoint on the certificate being replaced must be bound or excluded) and the sweep after the
// rollout (no endpoint may still serve the old certificate).
import { setTimeout as sleep } from 'node:timers/promises';
import { CertrollError } from '../errors.js';
import { type Inventory } from '../inventory/model.js';
import {
  coverageGapError,
  coverageGaps,
  hostProblems,
  renderLeftovers,
  sharedFileError,
  sharedFileExclusions,
  sweepLeftovers,
  type Leftover,
} from './gate.js';
import { probeOptionsOf } from './collect.js';
import { type HostFacts } from './coverage.js';
import { allWhole, discoverHosts, type DiscoverOptions, type HostRef } from './run.js';

const refsOf = (inventory: Inventory): HostRef[] =>
  inventory.environments.flatMap((e) =>
    e.hosts.map((host) => ({ env: e.name, host, ...(e.pools ? { pools: e.pools } : {}) })),
  );

/**
 * Hosts read at once by the gate, the sweep and the capture: the largest `policy.concurrency` of
 * the inventory's environments, never below `floor` (reading changes nothing on a host).
 */
export function readConcurrency(inventory: Inventory, floor = 4): number {
  return Math.max(floor, ...inventory.environments.map((e) => e.policy.concurrency));
}

/**
 * Throws COVERAGE_GAP naming every uncovered endpoint on an old certificate. Returns what it read
 * on each host, for the sweep at the end of the same command (`sweepOld`'s `known`), and the old
 * certificates with `--old` prefixes resolved against what the hosts serve.
 */
export async function assertCoverage(
  inventory: Inventory,
  old: Iterable<string | undefined>,
  nothingTouched: string,
  o: Omit<DiscoverOptions, 'old'>,
): Promise<{ facts: ReadonlyMap<string, HostFacts>; old: ReadonlySet<string> }> {
  const set = new Set([...old].filter((s): s is string => s !== undefined));
  if (set.size === 0) return { facts: new Map(), old: set };
  const {
    hosts,
    facts,
    old: resolved,
  } = await discoverHosts(refsOf(inventory), {
    concurrency: readConcurrency(inventory),
    // An --old prefix is resolved against every certificate served, the no-SNI answers too.
    boundNamesOnly: allWhole(set),
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
  const shared = sharedFileExclusions(hosts);
  if (shared.length > 0) throw sharedFileError(shared, nothingTouched);
  return { facts, old: resolved };
}

export type SweepOptions = Omit<DiscoverOptions, 'old'> & {
  readonly rolledBack?: ReadonlySet<string>;
  /** The pauses between the re-probes of an endpoint seen on an old certificate. */
  readonly settleDelaysMs?: readonly number[];
};

// About 4 s in all: nginx's and haproxy's old workers drain within it after a reload.
const SETTLE_DELAYS_MS = [100, 200, 300, 400, 500, 500, 500, 500, 500, 500];
const CLEAN_ROUNDS = 3;

/**
 * Right after a reload an old worker still draining may answer with the old certificate while
 * the new ones answer with the new (nginx and haproxy let old processes finish): such a hit is a
 * leftover only when it holds. Each is probed again (each SNI it was seen with), and is let go
 * after CLEAN_ROUNDS rounds in a row that saw no old certificate; a port that keeps serving the
 * old one, even now and then (one old member behind a round-robin balancer), stays.
 */
async function holding(
  leftovers: readonly Leftover[],
  old: ReadonlySet<string>,
  o: SweepOptions,
): Promise<Leftover[]> {
  const { probe } = o;
  const options = probeOptionsOf(o);
  const kept = await Promise.all(
    leftovers.map(async (l) => {
      let clean = 0;
      for (const delay of o.settleDelaysMs ?? SETTLE_DELAYS_MS) {
        await sleep(delay, undefined, o.signal !== undefined ? { signal: o.signal } : {});
        const seen = await Promise.all(
          l.sni.map((sni) =>
            probe({ address: l.endpoint.address, port: l.endpoint.port, sni }, options),
          ),
        );
        clean = seen.some((r) => r.ok && old.has(r.leaf.sha256)) ? 0 : clean + 1;
        if (clean >= CLEAN_ROUNDS) return undefined;
      }
      return l;
    }),
  );
  return kept.filter((l): l is Leftover => l !== undefined);
}

/**
 * Probes every TLS port of every host for the old certificate(s); `clean` when none is left.
 * `rolledBack` names bindings (`host binding-id`) the rollout itself put back on the old
 * certificate: they are reported in its summary already, so the sweep looks past them.
 */
export async function sweepOld(
  inventory: Inventory,
  old: Iterable<string | undefined>,
  o: SweepOptions,
): Promise<{ clean: boolean; text: string }> {
  const set = new Set([...old].filter((s): s is string => s !== undefined));
  if (set.size === 0) return { clean: true, text: '' };
  const { rolledBack, ...discover } = o;
  const { hosts } = await discoverHosts(refsOf(inventory), {
    concurrency: readConcurrency(inventory),
    ...discover,
    old: set,
  });
  const leftovers = await holding(
    sweepLeftovers(hosts, set).filter(
      (l) =>
        !(
          l.endpoint.coverage.kind === 'binding' &&
          rolledBack?.has(`${l.host} ${l.endpoint.coverage.binding}`)
        ),
    ),
    set,
    o,
  );
  const unreachable = hostProblems(hosts).map((p) => p.message);
  return {
    clean: leftovers.length === 0 && unreachable.length === 0,
    text: renderLeftovers(leftovers, unreachable, rolledBack?.size ?? 0),
  };
}
