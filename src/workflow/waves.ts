// Pure wave planning: canary hosts first (in the order the policy names them), then the rest in
// inventory order, in batches of batchSize. Each wave finishes before the next one starts.

export interface WavePolicy {
  readonly canary: readonly string[];
  readonly batchSize: number;
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
  for (let i = 0; i < rest.length; i += size)
    waves.push({ canary: false, hosts: rest.slice(i, i + size) });
  return waves;
}
