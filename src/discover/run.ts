// Discovery over many hosts: collect each (bounded concurrency), then decide the old certificate
// set and analyse coverage. Used by `certroll discover`, the plan gate and the sweep.
import pLimit from 'p-limit';
import { resolveFingerprintPrefix } from '../cert/fingerprint-prefix.js';
import { type Host, type Pool } from '../inventory/model.js';
import { collectHost, type CollectOptions } from './collect.js';
import { analyseHost, servedByBindings, type HostFacts } from './coverage.js';
import { type HostDiscovery } from './types.js';

export interface DiscoverOptions extends CollectOptions {
  /** Old certificates (SHA-256); default: what the inventory's bindings serve now. */
  readonly old?: ReadonlySet<string>;
  readonly critDays?: number;
  readonly now?: number;
  readonly concurrency?: number;
}

export interface HostRef {
  readonly env: string;
  readonly host: Host;
  /** The environment's pools: their VIPs are known endpoints. */
  readonly pools?: readonly Pool[];
}

/** Every old certificate is a whole SHA-256 (no `--old` prefix left to resolve). */
export const allWhole = (old: Iterable<string>): boolean => [...old].every((s) => s.length === 64);

/**
 * `--old` prefixes become the one certificate seen on the hosts (served on a port, or configured)
 * that they start with; a whole fingerprint stays as it is, seen or not.
 */
function resolveOld(old: ReadonlySet<string>, read: readonly HostFacts[]): ReadonlySet<string> {
  if (allWhole(old)) return old;
  const seen = read.flatMap((f) => [
    ...f.served.flatMap((x) => x.served.map((s) => s.cert.sha256)),
    ...f.configured.flatMap((c) => (c.cert !== undefined ? [c.cert.sha256] : [])),
  ]);
  return new Set(
    [...old].map((s) => resolveFingerprintPrefix('--old', s, seen, 'seen on the hosts')),
  );
}

export async function discoverHosts(
  refs: readonly HostRef[],
  o: DiscoverOptions,
): Promise<{
  hosts: HostDiscovery[];
  old: ReadonlySet<string>;
  /** What was read on each host that answered, by name (for a later sweep's `known`). */
  facts: ReadonlyMap<string, HostFacts>;
}> {
  const limit = pLimit(o.concurrency ?? 4);
  const collected = await Promise.all(refs.map((r) => limit(() => collectHost(r.host, o))));
  const base = { now: o.now ?? Date.now(), critDays: o.critDays ?? 7 };
  const ok = refs.flatMap((r, i) => {
    const c = collected[i];
    return c !== undefined && !('error' in c) ? [{ ref: r, facts: c }] : [];
  });
  const old =
    (o.old &&
      resolveOld(
        o.old,
        ok.map(({ facts }) => facts),
      )) ??
    new Set(
      ok.flatMap(({ ref, facts }) => [
        ...servedByBindings(analyseHost(ref.host, facts, { ...base, old: new Set() })),
      ]),
    );
  const oldThumbprints = new Set<string>();
  for (const { facts } of ok)
    for (const s of facts.served.flatMap((x) => x.served))
      if (old.has(s.cert.sha256) && s.cert.thumbprint !== undefined)
        oldThumbprints.add(s.cert.thumbprint);
  const hosts = refs.map((r, i): HostDiscovery => {
    const c = collected[i];
    const head = { env: r.env, host: r.host.name, address: r.host.address };
    if (c === undefined || 'error' in c)
      return { ...head, endpoints: [], notes: [], error: c?.error ?? 'not collected' };
    const facts: HostFacts = c;
    return {
      ...head,
      endpoints: analyseHost(r.host, facts, { ...base, old, oldThumbprints }, r.pools),
      notes: [...facts.notes],
    };
  });
  const facts = new Map<string, HostFacts>(ok.map(({ ref, facts: f }) => [ref.host.name, f]));
  return { hosts, old, facts };
}
