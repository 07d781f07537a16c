// Coverage: each TLS endpoint a host listens on or is configured for, against the inventory's
// bindings and exclusions, marked when it serves or loads an old certificate. Pure.
import { type Binding, type Host, type Pool } from '../inventory/model.js';
import { findingsFor } from './findings.js';
import { reachableAddress } from './targets.js';
import {
  type CertFacts,
  type ConfiguredEndpoint,
  type Coverage,
  type EndpointReport,
  type Listener,
  type Served,
} from './types.js';

export interface HostFacts {
  readonly listeners: readonly Listener[];
  readonly configured: readonly (ConfiguredEndpoint & { readonly cert?: CertFacts })[];
  readonly served: readonly { address: string; port: number; served: readonly Served[] }[];
  readonly notes: readonly string[];
}

export interface AnalyseOptions {
  readonly old: ReadonlySet<string>;
  /** Windows thumbprints (SHA-1) of the old certificates, for bindings that name only those. */
  readonly oldThumbprints?: ReadonlySet<string>;
  readonly now: number;
  readonly critDays: number;
}

const certPathOf = (b: Binding): string | undefined => {
  const p = b.params['certPath'] ?? b.params['crtPath'];
  return typeof p === 'string' ? p : undefined;
};

function bindingsAt(host: Host, address: string, port: number): Binding[] {
  return host.bindings.filter(
    (b) =>
      (b.port === port || b.probe.port === port) &&
      (b.probe.address === address || address === host.address || b.probe.address === host.address),
  );
}

export function coverageOf(
  host: Host,
  address: string,
  port: number,
  pools: readonly Pool[] = [],
): Coverage {
  const x = host.exclusions.find(
    (e) => e.port === port && (e.address === undefined || e.address === address),
  );
  if (x !== undefined) return { kind: 'excluded', reason: x.reason };
  const b = bindingsAt(host, address, port)[0];
  if (b !== undefined) return { kind: 'binding', binding: b.id };
  // A pool's VIP (on its balancer, or a keepalived address) is served by the members' bindings.
  const pool = pools.find((p) => p.vips.some((v) => v.address === address && v.port === port));
  return pool !== undefined
    ? { kind: 'binding', binding: `pool ${pool.name} (VIP)` }
    : { kind: 'uncovered' };
}

/** The binding of `host` whose certificate file an excluded endpoint also loads. */
function sharedFile(host: Host, configured: readonly Configured[]): string | undefined {
  const files = new Map<string, string>();
  for (const b of host.bindings) {
    const f = certPathOf(b);
    if (f !== undefined && !files.has(f)) files.set(f, b.id);
  }
  for (const c of configured) {
    const id = c.certFile !== undefined ? files.get(c.certFile) : undefined;
    if (id !== undefined) return id;
  }
  return undefined;
}

type Configured = HostFacts['configured'][number];

/** Endpoints of one host with coverage, old marks and configured-versus-served findings. */
export function analyseHost(
  host: Host,
  facts: HostFacts,
  o: AnalyseOptions,
  pools: readonly Pool[] = [],
): EndpointReport[] {
  const eps = new Map<
    string,
    { address: string; port: number; served: Served[]; configured: Configured[]; process?: string }
  >();
  const at = (address: string, port: number) => {
    const key = `${address}|${port}`;
    let e = eps.get(key);
    if (e === undefined) eps.set(key, (e = { address, port, served: [], configured: [] }));
    return e;
  };
  for (const s of facts.served)
    if (s.served.length > 0) at(s.address, s.port).served.push(...s.served);
  for (const c of facts.configured) {
    const address = reachableAddress(host, c.address);
    if (address !== undefined) at(address, c.port).configured.push(c);
  }
  for (const l of facts.listeners) {
    const e = eps.get(`${reachableAddress(host, l.address) ?? ''}|${l.port}`);
    if (e !== undefined && l.process !== undefined) e.process = l.process;
  }
  const isOld = (c?: CertFacts) => c !== undefined && o.old.has(c.sha256);
  const isOldConfig = (c: Configured) =>
    isOld(c.cert) || (c.thumbprint !== undefined && (o.oldThumbprints?.has(c.thumbprint) ?? false));
  const out: EndpointReport[] = [];
  for (const e of [...eps.values()].sort(
    (a, b) => a.port - b.port || a.address.localeCompare(b.address),
  )) {
    const coverage = coverageOf(host, e.address, e.port, pools);
    const shares = coverage.kind === 'excluded' ? sharedFile(host, e.configured) : undefined;
    out.push({
      ...e,
      coverage,
      ...(shares !== undefined ? { sharesFileWith: shares } : {}),
      old: e.served.some((s) => isOld(s.cert)) || e.configured.some(isOldConfig),
      findings: findingsFor(e.served, e.configured, o),
    });
    if (coverage.kind === 'binding') out.push(...namedGaps(host, e, isOld));
  }
  return out;
}

/**
 * On a port a binding covers, a server block with its own names and its own certificate file is
 * not touched by that binding: it is an endpoint of its own (address:port + SNI name).
 */
function namedGaps(
  host: Host,
  e: { address: string; port: number; served: Served[]; configured: Configured[] },
  isOld: (c?: CertFacts) => boolean,
): EndpointReport[] {
  const bindings = bindingsAt(host, e.address, e.port);
  const files = new Set(bindings.map(certPathOf));
  if (files.has(undefined)) return [];
  const names = new Set(bindings.flatMap((b) => b.probe.sni));
  const out: EndpointReport[] = [];
  for (const c of e.configured) {
    const name = c.names.find((n) => !names.has(n));
    if (c.certFile === undefined || files.has(c.certFile) || name === undefined) continue;
    if (c.names.some((n) => names.has(n))) continue;
    const served = e.served.filter((s) => s.sni !== null && c.names.includes(s.sni));
    out.push({
      address: e.address,
      port: e.port,
      sni: name,
      served,
      configured: [c],
      coverage: { kind: 'uncovered' },
      old: served.some((s) => isOld(s.cert)) || isOld(c.cert),
      findings: [],
    });
  }
  return out;
}

/** The certificates the inventory's bindings serve now: discover's default "old" set. */
export function servedByBindings(reports: readonly EndpointReport[]): Set<string> {
  const out = new Set<string>();
  for (const r of reports)
    if (r.coverage.kind === 'binding' && r.sni === undefined)
      for (const s of r.served) out.add(s.cert.sha256);
  return out;
}
