import pLimit from 'p-limit';
import { resolveFingerprintPrefix } from '../cert/fingerprint-prefix.js';
import { type Inventory } from '../inventory/model.js';
import { classifyEndpoint, worst } from './status.js';
import { analysePool, type PoolObservation } from './pool-analysis.js';
import { type ScanSelection, planScan } from './scan-plan.js';
import { type ProbeFn } from './shared.js';
import {
  type EndpointObservation,
  type PoolSummary,
  type ScanEndpoint,
  type ScanReport,
  type Status,
  type StatusPolicy,
} from './scan-types.js';
import { type ProbeOptions, type ProbeResult, type ProbeTarget } from './types.js';

export interface ScanOptions extends ScanSelection, StatusPolicy {
  /** The TLS probe (the composition root's): one fresh handshake per target. */
  readonly probe: ProbeFn;
  /** Probes in flight at once. Default 32. */
  readonly concurrency?: number;
  readonly timeoutMs?: number;
  readonly trust?: readonly string[];
  readonly signal?: AbortSignal;
  /** Called after each probe: done, total. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Clock for expiry decisions; tests pass a fixed one. */
  readonly now?: () => number;
}

export const DEFAULT_CONCURRENCY = 32;

/** Probes the given endpoints (each VIP sample a fresh connection) with bounded concurrency. */
export async function probeEndpoints(
  endpoints: readonly ScanEndpoint[],
  options: ScanOptions,
): Promise<ProbeResult[][]> {
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  const probeOptions: ProbeOptions = {
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.trust !== undefined ? { trust: options.trust } : {}),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
  };
  // One target per fresh connection: an endpoint once, a VIP once per sample.
  const targets: ProbeTarget[] = [];
  const owner: number[] = [];
  endpoints.forEach((e, i) => {
    for (let k = 0; k < e.samples; k++) {
      targets.push({ address: e.address, port: e.port, sni: e.sni });
      owner.push(i);
    }
  });
  let done = 0;
  const tick = (): void => options.onProgress?.(++done, targets.length);
  const limit = pLimit(concurrency);
  const flat = await Promise.all(
    targets.map((t) =>
      limit(async () => {
        const r = await options.probe(t, probeOptions);
        tick();
        return r;
      }),
    ),
  );
  const grouped: ProbeResult[][] = endpoints.map(() => []);
  flat.forEach((r, j) => grouped[owner[j] ?? 0]?.push(r));
  return grouped;
}

const observe = (r: ProbeResult, label: string): PoolObservation =>
  r.ok
    ? { label, sha256: r.leaf.sha256, notAfterMs: r.leaf.notAfterMs }
    : { label, sha256: null, failure: r.failure.kind };

/** Pool verdicts per binding and SNI, attached to that pool's member and VIP observations. */
export function attachPools(
  observations: readonly EndpointObservation[],
  expected: string | undefined,
): { observations: EndpointObservation[]; pools: PoolSummary[] } {
  const groups = new Map<string, EndpointObservation[]>();
  for (const o of observations) {
    if (o.endpoint.role === 'direct') continue;
    // An environment's pool spans hosts: its members and VIPs are judged together, per SNI name.
    const k =
      o.endpoint.pool !== undefined
        ? JSON.stringify([o.endpoint.env, 'pool', o.endpoint.pool, o.endpoint.sni])
        : JSON.stringify([o.endpoint.env, o.endpoint.host, o.endpoint.binding, o.endpoint.sni]);
    groups.set(k, [...(groups.get(k) ?? []), o]);
  }
  const verdicts = new Map<EndpointObservation, PoolSummary>();
  const pools: PoolSummary[] = [];
  for (const group of groups.values()) {
    const members = group.filter((o) => o.endpoint.role === 'member');
    const vip = group.find((o) => o.endpoint.role === 'vip');
    const memberObs = members.flatMap((o) =>
      o.results.map((r) => observe(r, o.endpoint.member ?? '?')),
    );
    const vipObs = (vip?.results ?? []).map((r, i) => observe(r, `vip#${i + 1}`));
    const first = group[0]!.endpoint;
    // An environment's pool is named by its pool name alone (its members are on several hosts).
    const summary: PoolSummary = {
      env: first.env,
      host: first.pool !== undefined ? 'pool' : first.host,
      binding: first.pool ?? first.binding,
      sni: first.sni,
      verdict: analysePool(memberObs, vipObs, expected),
    };
    pools.push(summary);
    for (const o of group) verdicts.set(o, summary);
  }
  return {
    observations: observations.map((o) => {
      const p = verdicts.get(o);
      return p === undefined ? o : { ...o, pool: p.verdict };
    }),
    pools,
  };
}

/** Classifies observations into the report (pure). */
export function buildReport(
  observations: readonly EndpointObservation[],
  options: Omit<ScanOptions, 'probe'>,
  startedAt: Date,
  durationMs: number,
): ScanReport {
  const policy: StatusPolicy = {
    warnDays: options.warnDays,
    critDays: options.critDays,
    ...(options.expect !== undefined ? { expect: options.expect } : {}),
    ...(options.old !== undefined ? { old: options.old } : {}),
  };
  const now = (options.now ?? Date.now)();
  const { observations: withPools, pools } = attachPools(observations, options.expect);
  const endpoints = withPools.map((o) => classifyEndpoint(o, policy, now));
  const counts: Record<Status, number> = { OK: 0, WARNING: 0, CRITICAL: 0, UNKNOWN: 0 };
  for (const e of endpoints) counts[e.status]++;
  return {
    startedAt: startedAt.toISOString(),
    durationMs,
    policy,
    endpoints,
    pools,
    overall: worst(endpoints.map((e) => e.status)),
    counts,
    probes: observations.reduce((n, o) => n + o.results.length, 0),
  };
}

/** The scan's library entry: plan, probe every endpoint, judge pools, classify. */
export async function scanInventory(
  inventory: Inventory,
  options: ScanOptions,
): Promise<ScanReport> {
  return scanEndpoints(planScan(inventory, options), options);
}

/** Probe the planned endpoints, judge pools, classify. */
export async function scanEndpoints(
  endpoints: readonly ScanEndpoint[],
  options: ScanOptions,
): Promise<ScanReport> {
  const startedAt = new Date();
  const t0 = performance.now();
  const results = await probeEndpoints(endpoints, options);
  const observations = endpoints.map((endpoint, i) => ({ endpoint, results: results[i] ?? [] }));
  const resolved = resolvePrefixes(observations, options);
  return buildReport(observations, resolved, startedAt, performance.now() - t0);
}

/**
 * `--expect` / `--old` given as a prefix (as the table prints them) become the one served
 * fingerprint they start with. A prefix two served leaves share, or one nothing serves, is
 * refused naming the candidates: it would judge by chance.
 */
export function resolvePrefixes<T extends Pick<ScanOptions, 'expect' | 'old'>>(
  observations: readonly EndpointObservation[],
  options: T,
): T {
  const served = observations.flatMap((o) =>
    o.results.flatMap((r) => (r.ok ? [r.leaf.sha256] : [])),
  );
  const resolve = (name: string, prefix: string | undefined): string | undefined =>
    prefix === undefined ? undefined : resolveFingerprintPrefix(name, prefix, served, 'served');
  const expect = resolve('--expect', options.expect);
  const old = resolve('--old', options.old);
  return {
    ...options,
    ...(expect !== undefined ? { expect } : {}),
    ...(old !== undefined ? { old } : {}),
  };
}
