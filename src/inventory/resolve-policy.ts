// The rollout policy of an environment: file defaults, environment defaults, then its own
// policy, field by field; a canary count becomes the names of the first hosts.
import { durationMs } from './fields.js';
import { type DetailSink } from './issues.js';
import { type Host, type RolloutPolicy } from './model.js';
import { type Path } from './paths.js';
import { type PolicyInput } from './schema.js';

export const POLICY_DEFAULTS = {
  canary: 0,
  batchSize: 1,
  concurrency: 1,
  failureBudget: 0,
  onFailure: 'halt',
  approval: false,
  soak: '0s',
  coldStartCheck: false,
  // The host is the unit of undo unless the inventory says its units are independent.
  undo: 'host',
} as const;

export function resolvePolicy(
  layers: readonly (PolicyInput | undefined)[],
  hosts: readonly Host[],
  path: Path,
  ctx: { readonly sink: DetailSink },
): RolloutPolicy {
  const p = { ...POLICY_DEFAULTS, ...merge(layers) };
  let canary: string[];
  if (typeof p.canary === 'number') {
    if (p.canary > hosts.length) {
      ctx.sink.add(
        [...path, 'canary'],
        `canary is ${p.canary} hosts but this environment has ${hosts.length}`,
      );
    }
    canary = hosts.slice(0, p.canary).map((h) => h.name);
  } else {
    canary = [...p.canary];
    const known = new Set(hosts.map((h) => h.name.toLowerCase()));
    const seen = new Set<string>();
    p.canary.forEach((name, i) => {
      if (!known.has(name.toLowerCase())) {
        ctx.sink.add(
          [...path, 'canary', i],
          `canary host ${name} is not a host of this environment`,
          `Hosts here: ${hosts.map((h) => h.name).join(', ')}`,
        );
      }
      if (seen.has(name.toLowerCase()))
        ctx.sink.add([...path, 'canary', i], `${name} is listed twice`);
      seen.add(name.toLowerCase());
    });
  }
  return {
    canary,
    batchSize: p.batchSize,
    concurrency: p.concurrency,
    failureBudget: p.failureBudget,
    onFailure: p.onFailure,
    approval: p.approval,
    soakMs: durationMs(p.soak),
    coldStartCheck: p.coldStartCheck,
    undo: p.undo,
  };
}

/** Later layers win, field by field; an absent field never erases an earlier one. */
export function merge<T extends object>(layers: readonly (T | undefined)[]): Partial<T> {
  const out: Partial<T> = {};
  for (const layer of layers) {
    if (layer === undefined) continue;
    for (const [k, v] of Object.entries(layer))
      if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}
