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
  /**
   * Every binding whose probe is this address:port sends SNI names (and there is one): the gate
   * may ask the names alone (`boundNamesOnly` in collect.ts).
   */
  readonly boundWithNames: boolean;
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

// Processes that hold a listening socket only to speak SSH: a TLS ClientHello sent there is
// answered with an SSH banner, never a certificate, so discovery does not ask.
const SSH_SERVERS = new Set(['sshd', 'dropbear']);

/** The listener is held by an SSH server (as `ss -p` or Get-Process named its holder). */
export function heldBySsh(l: Listener): boolean {
  return l.process !== undefined && SSH_SERVERS.has(l.process);
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
  // An SSH server's listener is left out, unless a configuration or a binding names the port.
  for (const l of listeners) if (!heldBySsh(l)) add(reachableAddress(host, l.address), l.port, []);
  for (const c of configured) add(reachableAddress(host, c.address), c.port, c.names);
  for (const b of host.bindings) add(b.probe.address, b.probe.port, b.probe.sni);
  return [...map.values()].map((e) => {
    const at = host.bindings.filter(
      (b) => b.probe.address === e.address && b.probe.port === e.port,
    );
    // Only where every binding there sends a name: one without proves the no-SNI answer itself.
    const boundWithNames = at.length > 0 && at.every((b) => b.probe.sni.length > 0);
    return { ...e, names: [...e.names], boundWithNames };
  });
}
