// What a plan is pinned to, and the pure comparison that makes `apply` refuse a stale plan: the
// bundle's fingerprint, the inventory's digest, and each binding's captured state (by digest).
import { createHash } from 'node:crypto';

export interface PlanPins {
  readonly bundleSha256: string;
  readonly inventoryDigest: string;
  /** `env/host/bindingId` → digest of the captured state. */
  readonly captures: Readonly<Record<string, string>>;
}

export interface Drift {
  readonly what: 'bundle' | 'inventory' | 'binding-changed' | 'binding-added' | 'binding-removed';
  readonly where: string;
  readonly planned?: string;
  readonly now?: string;
}

/** Stable digest of a captured state: key order does not matter, values do. */
export function stateDigest(state: unknown): string {
  return createHash('sha256').update(canonicalJson(state)).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Everything that changed since the plan was made; empty means the plan is fresh. */
export function planDrift(planned: PlanPins, now: PlanPins): Drift[] {
  const drift: Drift[] = [];
  if (planned.bundleSha256 !== now.bundleSha256) {
    drift.push({
      what: 'bundle',
      where: 'certificate bundle',
      planned: planned.bundleSha256,
      now: now.bundleSha256,
    });
  }
  if (planned.inventoryDigest !== now.inventoryDigest) {
    drift.push({
      what: 'inventory',
      where: 'inventory',
      planned: planned.inventoryDigest,
      now: now.inventoryDigest,
    });
  }
  for (const [key, digest] of Object.entries(planned.captures)) {
    const current = now.captures[key];
    if (current === undefined) drift.push({ what: 'binding-removed', where: key, planned: digest });
    else if (current !== digest)
      drift.push({ what: 'binding-changed', where: key, planned: digest, now: current });
  }
  for (const [key, digest] of Object.entries(now.captures)) {
    if (!(key in planned.captures)) drift.push({ what: 'binding-added', where: key, now: digest });
  }
  return drift;
}

export function describeDrift(d: Drift): string {
  switch (d.what) {
    case 'bundle':
      return `the certificate bundle changed (planned ${short(d.planned)}, now ${short(d.now)})`;
    case 'inventory':
      return `the inventory changed since the plan was made`;
    case 'binding-changed':
      return `${d.where}: the binding's current state changed since it was captured`;
    case 'binding-added':
      return `${d.where}: a binding not in the plan`;
    case 'binding-removed':
      return `${d.where}: a planned binding is gone`;
  }
}

const short = (hex: string | undefined) => (hex === undefined ? '?' : `${hex.slice(0, 16)}…`);
