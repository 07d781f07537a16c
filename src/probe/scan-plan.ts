import { CertrollError } from '../errors.js';
import {
  type Binding,
  type Environment,
  type Host,
  type Inventory,
  type Pool,
} from '../inventory/model.js';
import { type ScanEndpoint } from './scan-types.js';

export const DEFAULT_VIP_SAMPLES = 8;

export interface ScanSelection {
  readonly env?: string;
  readonly host?: string;
}

function pick<T extends { name: string }>(
  items: readonly T[],
  name: string | undefined,
  what: string,
): readonly T[] {
  if (name === undefined) return items;
  const found = items.filter((i) => i.name === name);
  if (found.length === 0) {
    throw new CertrollError('USAGE', `no ${what} named ${name} in the inventory`, {
      hint: `Known: ${items.map((i) => i.name).join(', ') || '(none)'}.`,
    });
  }
  return found;
}

/** The environment's pool `b` of `host` is a member of. */
function poolOf(env: Environment, host: Host, b: Binding): Pool | undefined {
  return env.pools?.find((p) => p.members.some((m) => m.host === host.name && m.binding === b.id));
}

/** Each VIP of an environment's pool, sampled per SNI name; its host column names the pool. */
function vipEndpoints(env: Environment, pool: Pool): ScanEndpoint[] {
  const snis: readonly (string | null)[] = pool.sni.length > 0 ? pool.sni : [null];
  return pool.vips.flatMap((vip) =>
    snis.map((sni) => ({
      env: env.name,
      host: `pool ${pool.name}`,
      binding: pool.name,
      role: 'vip' as const,
      member: 'vip',
      address: vip.address,
      port: vip.port,
      sni,
      samples: Math.max(1, pool.vipSamples),
      pool: pool.name,
    })),
  );
}

function bindingEndpoints(env: Environment, host: Host, b: Binding): ScanEndpoint[] {
  const snis: readonly (string | null)[] = b.probe.sni.length > 0 ? b.probe.sni : [null];
  const base = { env: env.name, host: host.name, binding: b.id };
  const inPool = poolOf(env, host, b);
  if (inPool !== undefined) {
    // A member of the environment's pool: probed directly at its own endpoint, judged with its pool.
    return snis.map((sni) => ({
      ...base,
      role: 'member' as const,
      member: host.name,
      address: b.probe.address,
      port: b.probe.port,
      sni,
      samples: 1,
      pool: inPool.name,
    }));
  }
  const out: ScanEndpoint[] = [];
  const pool = b.probe.pool;
  const key = (a: string, p: number): string => `${a}:${p}`;
  const pooled = new Set([
    ...(pool?.members ?? []).map((m) => key(m.address, m.port)),
    ...(pool?.vip ? [key(pool.vip.address, pool.vip.port)] : []),
  ]);
  for (const sni of snis) {
    // The host's own endpoint, unless it is one of the pool's (then it is probed as such).
    if (!pooled.has(key(b.probe.address, b.probe.port))) {
      out.push({
        ...base,
        role: 'direct',
        member: null,
        address: b.probe.address,
        port: b.probe.port,
        sni,
        samples: 1,
      });
    }
    for (const m of pool?.members ?? []) {
      out.push({
        ...base,
        role: 'member',
        member: m.name,
        address: m.address,
        port: m.port,
        sni,
        samples: 1,
      });
    }
    if (pool?.vip !== undefined) {
      const samples = Math.max(1, pool.vipSamples || DEFAULT_VIP_SAMPLES);
      out.push({
        ...base,
        role: 'vip',
        member: 'vip',
        address: pool.vip.address,
        port: pool.vip.port,
        sni,
        samples,
      });
    }
  }
  return out;
}

/** Every endpoint a scan probes, in inventory order. Pure. */
export function planScan(inventory: Inventory, selection: ScanSelection = {}): ScanEndpoint[] {
  const envs = pick(inventory.environments, selection.env, 'environment');
  const out: ScanEndpoint[] = [];
  for (const env of envs) {
    const hosts =
      selection.host === undefined ? env.hosts : env.hosts.filter((h) => h.name === selection.host);
    for (const host of hosts)
      for (const b of host.bindings) out.push(...bindingEndpoints(env, host, b));
    if (selection.host === undefined)
      for (const pool of env.pools ?? []) out.push(...vipEndpoints(env, pool));
  }
  if (selection.host !== undefined && out.length === 0) {
    const all = envs.flatMap((e) => e.hosts.map((h) => h.name));
    if (!all.includes(selection.host))
      pick(
        envs.flatMap((e) => e.hosts),
        selection.host,
        'host',
      );
  }
  return out;
}
