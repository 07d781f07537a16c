// Checks that need the whole resolved inventory: names and addresses used twice, bindings that
// a probe could not tell apart, binding ids, and exclusions that contradict a binding.
import { type DetailSink, type Locate } from './issues.js';
import { type Binding, type Environment } from './model.js';
import { type Path } from './paths.js';

/** Just the names, so they can be checked in data that is not valid yet. */
export interface NamedEnvironment {
  readonly name?: string | undefined;
  readonly hosts: readonly {
    readonly name?: string | undefined;
    readonly address?: string | undefined;
  }[];
}

export function checkInventory(environments: readonly Environment[], sink: DetailSink): void {
  checkNames(environments, sink);
  const bindingIds = new Map<string, string>();
  environments.forEach((env, e) => {
    env.hosts.forEach((_, h) => {
      checkBindings(env, h, ['environments', e, 'hosts', h], bindingIds, sink);
    });
  });
}

/** Environment names, host names and addresses used twice. */
export function checkNames(environments: readonly NamedEnvironment[], sink: DetailSink): void {
  const envNames = new Map<string, number>();
  const hostNames = new Map<string, string>();
  const addresses = new Map<string, string>();
  environments.forEach((env, e) => {
    const envPath: Path = ['environments', e];
    const envName = env.name?.toLowerCase();
    const prevEnv = envName === undefined ? undefined : envNames.get(envName);
    if (prevEnv !== undefined) {
      sink.add(
        [...envPath, 'name'],
        `environment ${env.name} is defined twice (also environments[${prevEnv}])`,
        'Environment names are compared without regard to case; give each a unique name.',
      );
    } else if (envName !== undefined) envNames.set(envName, e);
    env.hosts.forEach((host, h) => {
      const hostPath: Path = [...envPath, 'hosts', h];
      const name = host.name?.toLowerCase();
      const prevHost = name === undefined ? undefined : hostNames.get(name);
      if (prevHost !== undefined) {
        sink.add(
          [...hostPath, 'name'],
          `host ${host.name} appears twice in the inventory (also in environment ${prevHost})`,
          'A host belongs to one environment; remove the duplicate.',
        );
      } else if (name !== undefined) hostNames.set(name, env.name ?? `#${e}`);
      if (host.address === undefined || name === undefined) return;
      const addr = canonicalAddress(host.address);
      const prevAddr = addresses.get(addr);
      if (prevAddr !== undefined && prevAddr !== name) {
        sink.add(
          [...hostPath, 'address'],
          `address ${host.address} is used by host ${prevAddr} too`,
          'Two names for one machine would run two rollouts on it at once; keep one host entry.',
        );
      } else addresses.set(addr, name);
    });
  });
}

/** The names found in raw data, where they are strings; anything else is the schema's business. */
export function rawNames(data: unknown): NamedEnvironment[] {
  const envs = field(data, 'environments');
  if (!Array.isArray(envs)) return [];
  return envs.map((env) => {
    const hosts = field(env, 'hosts');
    return {
      name: text(field(env, 'name')),
      hosts: Array.isArray(hosts)
        ? hosts.map((h) => ({ name: text(field(h, 'name')), address: text(field(h, 'address')) }))
        : [],
    };
  });
}

const field = (v: unknown, k: string): unknown =>
  v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

// Bindings of one host: one probe must be able to tell them apart, ids must be unique.
function checkBindings(
  env: Environment,
  h: number,
  hostPath: Path,
  bindingIds: Map<string, string>,
  sink: DetailSink,
): void {
  const host = env.hosts[h];
  if (host === undefined) return;
  const seen = new Map<string, number>();
  host.bindings.forEach((b, i) => {
    const path: Path = [...hostPath, 'bindings', i];
    const names = b.probe.sni.length === 0 ? ['(no SNI)'] : b.probe.sni;
    let clash = false;
    for (const sni of names) {
      const key = `${b.probe.address.toLowerCase()}|${b.probe.port}|${sni.toLowerCase()}`;
      const prev = seen.get(key);
      if (prev !== undefined) {
        clash = true;
        sink.add(
          [...path, 'port'],
          `port ${b.port} on ${b.probe.address} with SNI ${sni} is already bound by bindings[${prev}]`,
          'Two bindings on one port must differ in probe address or SNI name, or a probe could not tell them apart.',
        );
      } else seen.set(key, i);
    }
    const prevId = bindingIds.get(b.id);
    // A default id repeats exactly when port and SNI do, which is reported just above.
    if (prevId !== undefined && !clash) {
      sink.add(
        [...path, 'id'],
        `binding id ${b.id} is used twice (also on host ${prevId})`,
        'Give one of them an id: field, e.g. id: web-01:443/shop.',
      );
    } else bindingIds.set(b.id, host.name);
  });
  host.exclusions.forEach((x, i) => {
    const clash = host.bindings.findIndex(
      (b) => b.port === x.port && (x.address === undefined || x.address === b.probe.address),
    );
    if (clash >= 0) {
      sink.add(
        [...hostPath, 'exclude', i, 'port'],
        `port ${x.port} is both excluded and listed as bindings[${clash}]`,
        'Remove the exclusion or the binding.',
      );
    }
  });
}

// 2001:DB8:0::1 and 2001:db8::1 are one machine; the URL parser writes IPv6 the canonical way.
export function canonicalAddress(address: string): string {
  if (!address.includes(':')) return address.toLowerCase();
  try {
    return new URL(`http://[${address}]/`).hostname;
  } catch {
    return address.toLowerCase();
  }
}

/** A problem with one binding's kind or params, at a path inside the binding (['params', 'x']). */
export interface BindingProblem {
  readonly at: readonly string[];
  readonly message: string;
  readonly hint?: string;
}

/** What a binding's environment asks of it beyond its params (the cold-start check restarts it). */
export interface BindingContext {
  readonly coldStartCheck: boolean;
}

/** What a binding's playbook says about its kind and params (src/playbooks/params.ts). */
export type BindingRules = (
  binding: Pick<Binding, 'kind' | 'params'>,
  context?: BindingContext,
) => readonly BindingProblem[];

/**
 * Every binding against its playbook. A value already refused (a thumbprint) is not reported
 * twice; a missing parameter is reported where its binding's params (or the binding) start.
 */
export function checkBindingRules(
  environments: readonly Environment[],
  rules: BindingRules,
  locate: Locate,
  sink: DetailSink,
): void {
  const reported = new Set(sink.details.map((d) => d.field));
  environments.forEach((env, e) => {
    env.hosts.forEach((host, h) => {
      host.bindings.forEach((b, i) => {
        const bindingPath: Path = ['environments', e, 'hosts', h, 'bindings', i];
        for (const p of rules(b, { coldStartCheck: env.policy.coldStartCheck })) {
          const path = locatable([...bindingPath, ...p.at], bindingPath.length, locate);
          if (reported.has(sink.fieldName(path))) continue;
          sink.add(path, p.message, p.hint);
        }
      });
    });
  });
}

// The path itself, or its nearest part that has a position (a missing parameter has none; its
// params map or binding does). A document without positions (JSON) keeps the full path.
function locatable(path: Path, minLength: number, locate: Locate): Path {
  for (let n = path.length; n >= minLength; n--) {
    if (locate(path.slice(0, n)) !== undefined) return path.slice(0, n);
  }
  return path;
}
