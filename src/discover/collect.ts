// Discovery's effects: run the discovery scripts on a host over its transport and probe what its
// ports serve. Everything it reads is parsed by the pure modules beside it.
import pLimit from 'p-limit';
import { toCertrollError } from '../errors.js';
import { type Host } from '../inventory/model.js';
import { type ProbeFn } from '../probe/shared.js';
import { type ProbeOptions, type ProbeResult } from '../probe/types.js';
import { type Transport } from '../transport/types.js';
import { collectLinux, relistLinux } from './collect-linux.js';
import { type HostFacts } from './coverage.js';
import { planProbes, type ProbePlanEntry } from './targets.js';
import { type CertFacts, type ConfigFacts, type Listener, type Served } from './types.js';
import { collectWindows } from './windows/collect.js';

export interface CollectOptions {
  readonly trust?: readonly string[];
  /** Per handshake; unknown ports may not speak TLS, so this is short. */
  readonly probeTimeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Where connections come from (the composition root's pool). */
  readonly transportFor: (host: Host) => Transport;
  /** The TLS probe (the composition root's, or a plan's sharing one over it). */
  readonly probe: ProbeFn;
  /**
   * Configuration already read in this command, by host name (the gate's, for the sweep): sh
   * hosts then only list their listeners again. Its listeners name the process that held each
   * socket (the relisting does not): an SSH server's is not probed again.
   */
  readonly known?: ReadonlyMap<
    string,
    Pick<HostFacts, 'configured'> & Partial<Pick<HostFacts, 'listeners'>>
  >;
  /**
   * The coverage gate: a port a binding proves with SNI names is asked its names only, not
   * also without SNI. There, what a client without SNI gets decides nothing (the port is bound,
   * never a gap); the sweep after the change still asks it.
   */
  readonly boundNamesOnly?: boolean;
}

/** Reads a host's listeners and TLS configuration over its transport. */
export async function collectConfig(host: Host, o: CollectOptions): Promise<ConfigFacts> {
  const t = o.transportFor(host);
  try {
    await t.connect(o.signal);
    const known = o.known?.get(host.name);
    if (t.shell === 'powershell') return await collectWindows(t, o.signal);
    return known !== undefined
      ? await relistLinux(host, t, known, o.signal)
      : await collectLinux(host, t, o.signal);
  } finally {
    await t.close().catch(() => undefined);
  }
}

const factsOf = (r: ProbeResult): CertFacts | undefined =>
  r.ok
    ? {
        sha256: r.leaf.sha256,
        thumbprint: r.leaf.thumbprint,
        subject: r.leaf.subject,
        notAfter: r.leaf.notAfter,
        notAfterMs: r.leaf.notAfterMs,
      }
    : undefined;

/** How discovery probes: a short timeout (unknown ports may not speak TLS), the trust, the signal. */
export function probeOptionsOf(o: CollectOptions): ProbeOptions {
  return {
    timeoutMs: o.probeTimeoutMs ?? 3000,
    // A port that is not TLS is simply not served: the peer's first bytes are never reported.
    sniffNotTls: false,
    ...(o.trust !== undefined ? { trust: o.trust } : {}),
    ...(o.signal !== undefined ? { signal: o.signal } : {}),
  };
}

/** Probes every port found (no SNI and each name); only TLS answers are kept. */
export async function probeServed(
  host: Host,
  facts: ConfigFacts,
  o: CollectOptions,
): Promise<HostFacts['served']> {
  const { probe } = o;
  const limit = pLimit(16);
  const listeners = withKnownHolders(facts.listeners, o.known?.get(host.name)?.listeners);
  const plan = planProbes(host, listeners, facts.configured);
  const options = probeOptionsOf(o);
  const one = (p: ProbePlanEntry, sni: string | null) =>
    limit(() => probe({ address: p.address, port: p.port, sni }, options));
  return Promise.all(
    plan.map(async (p) => {
      if (o.boundNamesOnly === true && p.boundWithNames) return namesOnly(p, one);
      const first = await one(p, null);
      // SNI names are worth a handshake only where TLS answered (or refused the missing name);
      // a closed port or one that is not TLS would fail each of them the same way.
      const tls = first.ok || (first.failure.phase === 'tls' && first.failure.kind !== 'not-tls');
      const rest = tls ? await Promise.all(p.names.map((sni) => one(p, sni))) : [];
      return { address: p.address, port: p.port, served: servedOf([first, ...rest]) };
    }),
  );
}

/** The TLS answers among `results`: what each name (or none) was served. */
function servedOf(results: readonly ProbeResult[]): Served[] {
  return results.flatMap((r) => {
    const cert = factsOf(r);
    return cert !== undefined ? [{ sni: r.target.sni, cert }] : [];
  });
}

/** A bound port asked its names only (`boundNamesOnly`). */
async function namesOnly(
  p: ProbePlanEntry,
  one: (p: ProbePlanEntry, sni: string | null) => Promise<ProbeResult>,
): Promise<HostFacts['served'][number]> {
  const seen = await Promise.all(p.names.map((sni) => one(p, sni)));
  return { address: p.address, port: p.port, served: servedOf(seen) };
}

/**
 * Listeners listed again without their holders (`ss -Htln`), each given the holder the earlier
 * listing of the same command named for the same address and port.
 */
function withKnownHolders(
  listeners: readonly Listener[],
  known: readonly Listener[] | undefined,
): readonly Listener[] {
  if (known === undefined) return listeners;
  const holder = new Map(known.map((l) => [`${l.address}|${l.port}`, l.process]));
  return listeners.map((l) => {
    const process = l.process ?? holder.get(`${l.address}|${l.port}`);
    return process !== undefined ? { ...l, process } : l;
  });
}

/** Everything discovery knows about one host, or the reason it could not look. */
export async function collectHost(
  host: Host,
  o: CollectOptions,
): Promise<HostFacts | { error: string }> {
  let facts: ConfigFacts;
  try {
    facts = await collectConfig(host, o);
  } catch (error) {
    const e = toCertrollError(error);
    return { error: `[${e.code}] ${e.message}` };
  }
  // A copy: the parsed values are slices of each script's whole output (ss and ps list every
  // process of the machine), which would otherwise stay in memory as long as the facts do.
  return structuredClone({ ...facts, served: await probeServed(host, facts, o) });
}
