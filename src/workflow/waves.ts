// Pure wave planning: canary hosts first (in the order the policy names them), then the rest in
// inventory order, in batches of batchSize. Each wave finishes before the next one starts. A batch
// never holds two members of one pool: it ends before the second, so a pool is changed one member
// at a time whatever the batch size (the other members keep serving, proven, while one changes).

export interface WavePolicy {
  readonly canary: readonly string[];
  readonly batchSize: number;
  /** The environment's pools: their members' hosts never share a batch. */
  readonly pools?: readonly { readonly members: readonly { readonly host: string }[] }[];
}

export interface Wave {
  readonly canary: boolean;
  readonly hosts: readonly string[];
}

export function planWaves(hosts: readonly string[], policy: WavePolicy): Wave[] {
  const canary = policy.canary.filter((h) => hosts.includes(h));
  const rest = hosts.filter((h) => !canary.includes(h));
  const size = Math.max(1, Math.floor(policy.batchSize));
  const waves: Wave[] = canary.length > 0 ? [{ canary: true, hosts: canary }] : [];
  const poolsOf = (h: string): number[] =>
    (policy.pools ?? []).flatMap((p, i) => (p.members.some((m) => m.host === h) ? [i] : []));
  let batch: string[] = [];
  const inBatch = new Set<number>();
  for (const h of rest) {
    const pools = poolsOf(h);
    if (batch.length >= size || pools.some((p) => inBatch.has(p))) {
      waves.push({ canary: false, hosts: batch });
      batch = [];
      inBatch.clear();
    }
    batch.push(h);
    for (const p of pools) inBatch.add(p);
  }
  if (batch.length > 0) waves.push({ canary: false, hosts: batch });
  return waves;
}
