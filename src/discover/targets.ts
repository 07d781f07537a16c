// Which ports of a host discovery probes, with which SNI names. Pure.
import { type Host } from '../inventory/model.js';
import { isLoopback, isWildcard } from './parse/listeners.js';
import { isPlainName } from './parse/nginx.js';
import { type ConfiguredEndpoint, type Listener } from './types.js';

export interface ProbePlanEntry {
  readonly address: string;
  readonly port: number;
  /** SNI names to probe besides no SNI. */
  readonly names: readonly string[];
}

const MAX_ENDPOINTS = 512;
const MAX_NAMES = 16;

/**
 * The address a client reaches a listener at: the host's own address for a wildcard, the
 * listener's address otherwise; loopback listeners of other addresses are not reachable from
 * outside, so they are left out (undefined).
 */
export function reachableAddress(host: Host, address: string | null): string | undefined {
  if (address === null || isWildcard(address) || address === host.address) return host.address;
  if (isLoopback(address)) return undefined;
  return address;
}

export function bindingNames(host: Host): string[] {
  return [...new Set(host.bindings.flatMap((b) => b.probe.sni))];
}

export function planProbes(
  host: Host,
  listeners: readonly Listener[],
  configured: readonly ConfiguredEndpoint[],
): ProbePlanEntry[] {
  const hostNames = bindingNames(host);
  const map = new Map<string, { address: string; port: number; names: Set<string> }>();
  const add = (address: string | undefined, port: number, names: readonly string[]) => {
    if (address === undefined) return;
    const key = `${address}|${port}`;
    let e = map.get(key);
    if (e === undefined) {
      if (map.size >= MAX_ENDPOINTS) return;
      map.set(key, (e = { address, port, names: new Set(hostNames) }));
    }
    for (const n of names) if (e.names.size < MAX_NAMES && isPlainName(n)) e.names.add(n);
  };
  for (const l of listeners) add(reachableAddress(host, l.address), l.port, []);
  for (const c of configured) add(reachableAddress(host, c.address), c.port, c.names);
  for (const b of host.bindings) add(b.probe.address, b.probe.port, b.probe.sni);
  return [...map.values()].map((e) => ({ ...e, names: [...e.names] }));
}
