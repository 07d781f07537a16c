// Pools as the environment names them: members (host + binding), VIPs, SNI names, the balancer and
// the policy after a member fails. Resolution checks every reference against the environment's
// hosts and bindings, with file:line and a did-you-mean, and decides how often the VIP is sampled.
import { durationMs } from './fields.js';
import { type DetailSink, type Locate } from './issues.js';
import { type Balancer, type Binding, type Host, type Pool, type PoolMemberRef } from './model.js';
import { type Path } from './paths.js';
import { type BindingInput, type EnvironmentPoolInput, type HostInput } from './schema.js';
import { didYouMean } from './suggest.js';

/** The wait for a drained member's connections to finish, when the inventory sets none. */
export const DEFAULT_DRAIN_TIMEOUT = '30s';

/** At most this chance that some member is never reached by the VIP samples. */
export const VIP_MISS_PROBABILITY = 0.01;

/**
 * Handshakes to a VIP so that every one of `members` answers at least once with probability
 * 1 - VIP_MISS_PROBABILITY, even when the balancer picks members at random: the chance that one
 * given member is missed by N independent picks is (1 - 1/m)^N, so (union bound) the chance that
 * any is missed is at most m(1 - 1/m)^N; N is the smallest with that <= 1 %. Round-robin needs
 * only m; random needs 8 for 2 members, 15 for 3, 21 for 4, 28 for 5.
 */
export function vipSamplesFor(members: number): number {
  if (members <= 1) return 1;
  const n = Math.log(VIP_MISS_PROBABILITY / members) / Math.log(1 - 1 / members);
  return Math.max(members, Math.ceil(n));
}

/** The SNI names a pool gives the binding `b` of host `h` (empty when it is in no pool). */
export function poolSniFor(
  pools: readonly EnvironmentPoolInput[] | undefined,
  h: HostInput,
  b: BindingInput,
): string[] {
  const names: string[] = [];
  for (const p of pools ?? []) {
    if (p.sni === undefined) continue;
    const member = p.members.some(
      (m) =>
        m.host === h.name &&
        (m.binding !== undefined ? m.binding === b.id : m.port === undefined || m.port === b.port),
    );
    if (member) names.push(...(typeof p.sni === 'string' ? [p.sni] : p.sni));
  }
  return [...new Set(names)];
}

interface PoolContext {
  readonly sink: DetailSink;
  readonly locate: Locate;
  readonly origin: (path: Path) => Pool['origin'];
}

export function resolvePools(
  input: readonly EnvironmentPoolInput[] | undefined,
  hosts: readonly Host[],
  path: Path,
  ctx: PoolContext,
): Pool[] {
  const seen = new Set<string>();
  const claimed = new Map<string, string>();
  return (input ?? []).map((p, i) => {
    const at: Path = [...path, i];
    if (seen.has(p.name.toLowerCase()))
      ctx.sink.add([...at, 'name'], `pool name ${p.name} is used twice in this environment`);
    seen.add(p.name.toLowerCase());
    const members = p.members.flatMap((m, j) => {
      const ref = memberOf(m, hosts, [...at, 'members', j], ctx.sink);
      if (ref === undefined) return [];
      const key = `${ref.host}\0${ref.binding}`;
      const other = claimed.get(key);
      if (other !== undefined)
        ctx.sink.add(
          [...at, 'members', j],
          `binding ${ref.binding} is already a member of pool ${other}`,
          'A binding belongs to at most one pool.',
        );
      claimed.set(key, p.name);
      return [ref];
    });
    const sni =
      p.sni === undefined
        ? [...new Set(members.flatMap((m) => bindingOf(hosts, m)?.probe.sni ?? []))]
        : typeof p.sni === 'string'
          ? [p.sni]
          : [...p.sni];
    const balancer = p.balancer && balancerOf(p.balancer, hosts, [...at, 'balancer'], ctx.sink);
    return {
      name: p.name,
      members,
      vips: (p.vips ?? []).map((v) => ({ address: v.address, port: v.port })),
      sni,
      vipSamples: p.vipSamples ?? vipSamplesFor(members.length),
      ...(balancer !== undefined ? { balancer } : {}),
      onMemberFailure: p.onMemberFailure ?? 'stay-mixed',
      origin: ctx.origin(at),
    };
  });
}

function bindingOf(hosts: readonly Host[], m: PoolMemberRef): Binding | undefined {
  return hosts.find((h) => h.name === m.host)?.bindings.find((b) => b.id === m.binding);
}

function hostIn(
  hosts: readonly Host[],
  name: string,
  path: Path,
  sink: DetailSink,
): Host | undefined {
  const h = hosts.find((x) => x.name === name);
  if (h === undefined) {
    const names = hosts.map((x) => x.name);
    sink.add(
      path,
      `no host ${name} in this environment (hosts: ${names.join(', ')})`,
      `${didYouMean(name, names)}A pool's members and balancer are hosts of the environment the pool is in.`,
    );
  }
  return h;
}

function memberOf(
  m: EnvironmentPoolInput['members'][number],
  hosts: readonly Host[],
  path: Path,
  sink: DetailSink,
): PoolMemberRef | undefined {
  const h = hostIn(hosts, m.host, [...path, 'host'], sink);
  if (h === undefined) return undefined;
  const found = h.bindings.filter((b) =>
    m.binding !== undefined ? b.id === m.binding : m.port === undefined || b.port === m.port,
  );
  const which =
    m.binding !== undefined
      ? `id ${m.binding}`
      : m.port !== undefined
        ? `port ${m.port}`
        : 'any port';
  const list = h.bindings.map((b) => `${b.id} (port ${b.port})`).join(', ') || 'none';
  if (found.length !== 1) {
    sink.add(
      [...path, m.binding !== undefined ? 'binding' : m.port !== undefined ? 'port' : 'host'],
      found.length === 0
        ? `host ${h.name} has no binding with ${which} (bindings: ${list})`
        : `host ${h.name} has ${found.length} bindings with ${which} (${list})`,
      found.length === 0
        ? `${
            m.binding !== undefined
              ? didYouMean(
                  m.binding,
                  h.bindings.map((b) => b.id),
                )
              : ''
          }Name the member's binding by its port or its id.`
        : "Name the member's binding by its id: binding: ID.",
    );
    return undefined;
  }
  const b = found[0]!;
  return { host: h.name, binding: b.id, address: b.probe.address, port: b.probe.port };
}

function balancerOf(
  b: NonNullable<EnvironmentPoolInput['balancer']>,
  hosts: readonly Host[],
  path: Path,
  sink: DetailSink,
): Balancer | undefined {
  if (hostIn(hosts, b.host, [...path, 'host'], sink) === undefined) return undefined;
  const drainTimeoutMs = durationMs(b.drainTimeout ?? DEFAULT_DRAIN_TIMEOUT);
  return b.kind === 'haproxy'
    ? {
        kind: 'haproxy',
        host: b.host,
        socket: b.socket,
        backend: b.backend,
        servers: { ...(b.servers ?? {}) },
        drainTimeoutMs,
      }
    : { kind: 'command', host: b.host, drain: b.drain, ready: b.ready, drainTimeoutMs };
}
