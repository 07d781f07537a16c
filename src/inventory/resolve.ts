// From the validated input to the resolved model: file defaults, then environment defaults, then
// the host's own values; `~` and relative paths made absolute; SNI defaults decided. Problems
// that need the whole inventory (duplicates, canary names) are reported to the sink.
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { type DetailSink, type Locate } from './issues.js';
import { durationMs, isDnsName, isIPv4, isIPv6 } from './fields.js';
import { poolSniFor, resolvePools } from './pools.js';
import { merge, resolvePolicy } from './resolve-policy.js';
import {
  type Binding,
  DEFAULT_TIMEOUTS,
  type Environment,
  type Exclusion,
  type Host,
  type ProbeSpec,
  type SecretRef,
  type TransportConfig,
  type TransportKind,
  type RemotingVia,
} from './model.js';
import { type Path } from './paths.js';
import { DEFAULT_KNOWN_HOSTS, sshSettings } from './resolve-ssh.js';
import { type ParsedSshConfig } from './ssh-config.js';
import { remotePathProblem, thumbprintProblem, type RemoteShell } from './values.js';
import {
  type BindingInput,
  type HostInput,
  type InventoryInput,
  type TransportInput,
} from './schema.js';

export interface ResolveContext {
  readonly file: string;
  /** Folder relative paths (identity files, known_hosts, playbooks) are resolved against. */
  readonly baseDir: string;
  /** What `~` expands to. */
  readonly home: string;
  readonly locate: Locate;
  readonly sink: DetailSink;
  /** The local user name (OpenSSH's default remote user, and ssh_config's %u). */
  readonly localUser: string;
  /** An ssh_config file parsed, or undefined when it does not exist. */
  readonly readSshConfig: (absolutePath: string) => ParsedSshConfig | undefined;
}

export const DEFAULT_PORT: Record<TransportKind, number> = {
  ssh: 22,
  'powershell-ssh': 22,
  'pwsh-remoting': 5986,
  local: 0,
};

/** `via` and `tls` say how pwsh-remoting connects; elsewhere they would be silently ignored. */
function checkRemotingFields(t: TransportInput, path: Path, ctx: ResolveContext): void {
  const kind = t.kind ?? 'ssh';
  if (kind !== 'pwsh-remoting') {
    for (const key of ['via', 'tls'] as const) {
      if (t[key] === undefined) continue;
      ctx.sink.add(
        [...path, key],
        `${key} applies to the pwsh-remoting transport only, not to ${kind}`,
        `Remove ${key}, or set kind: pwsh-remoting.`,
      );
    }
    return;
  }
  if (t.via === 'ssh' && t.tls !== undefined) {
    ctx.sink.add(
      [...path, 'tls'],
      'tls applies to pwsh-remoting over WinRM; over SSH the session is always encrypted by SSH',
      'Remove tls, or set via: winrm.',
    );
  }
}

function defaultPort(kind: TransportKind, via: RemotingVia | undefined, tls: boolean | undefined) {
  if (via === 'ssh') return 22;
  if (via === 'winrm' && tls === false) return 5985;
  return DEFAULT_PORT[kind];
}

/** Where a local path points: `~` is the home folder, relative paths start at the inventory. */
export function localPath(p: string, ctx: Pick<ResolveContext, 'baseDir' | 'home'>): string {
  if (p === '~') return ctx.home;
  if (p.startsWith('~/')) return join(ctx.home, p.slice(2));
  return isAbsolute(p) ? p : resolvePath(ctx.baseDir, p);
}

export function resolveEnvironments(input: InventoryInput, ctx: ResolveContext): Environment[] {
  return input.environments.map((env, e) => {
    const envPath: Path = ['environments', e];
    const transportLayers = [input.defaults?.transport, env.defaults?.transport];
    const hosts = env.hosts.map((h, i) =>
      resolveHost(h, [...envPath, 'hosts', i], transportLayers, ctx, (b) =>
        poolSniFor(env.pools, h, b),
      ),
    );
    const policyLayers = [input.defaults?.policy, env.defaults?.policy, env.policy];
    const pools = resolvePools(env.pools, hosts, [...envPath, 'pools'], {
      sink: ctx.sink,
      locate: ctx.locate,
      origin: (p) => origin(ctx, p),
    });
    const policy = resolvePolicy(policyLayers, hosts, [...envPath, 'policy'], ctx);
    pools.forEach((pool, i) => {
      // Two members drained at once could empty the pool: members behind a balancer go one by one.
      if (pool.balancer !== undefined && policy.concurrency > 1)
        ctx.sink.add(
          [...envPath, 'pools', i, 'balancer'],
          `pool ${pool.name} drains its members through a balancer, but environment ${env.name} works on ${policy.concurrency} hosts at once, so several members could be out of the pool together`,
          'Set policy.concurrency: 1 for this environment (members are then rolled one by one), or remove the balancer.',
        );
    });
    return {
      name: env.name,
      policy,
      hosts,
      ...(env.pools !== undefined ? { pools } : {}),
      origin: origin(ctx, envPath),
    };
  });
}

function resolveHost(
  h: HostInput,
  path: Path,
  transportLayers: readonly (TransportInput | undefined)[],
  ctx: ResolveContext,
  poolSni: (b: BindingInput) => string[] = () => [],
): Host {
  const transport = resolveTransport(
    [...transportLayers, h.transport],
    h.address,
    [...path, 'transport'],
    ctx,
  );
  checkRemotingFields(merge([...transportLayers, h.transport]), [...path, 'transport'], ctx);
  if (h.stateDir !== undefined) {
    const problem = remotePathProblem(h.stateDir, shellOf(transport.kind), 'stateDir');
    if (problem !== undefined) ctx.sink.add([...path, 'stateDir'], problem.message, problem.hint);
  }
  const ports = (h.bindings ?? []).map((b) => b.port);
  const bindings = (h.bindings ?? []).map((b, i) =>
    resolveBinding(
      b,
      h,
      ports.indexOf(b.port) !== ports.lastIndexOf(b.port),
      [...path, 'bindings', i],
      ctx,
      poolSni(b),
    ),
  );
  const exclusions: Exclusion[] = (h.exclude ?? []).map((x) =>
    x.address === undefined
      ? { port: x.port, reason: x.reason }
      : { port: x.port, address: x.address, reason: x.reason },
  );
  return {
    name: h.name,
    address: h.address,
    transport,
    legacyPfx: h.legacyPfx ?? false,
    ...(h.stateDir !== undefined ? { stateDir: h.stateDir } : {}),
    bindings,
    exclusions,
    origin: origin(ctx, path),
  };
}

/** The shell a host's commands run in: sh over ssh and locally, PowerShell otherwise. */
export function shellOf(kind: TransportKind): RemoteShell {
  return kind === 'ssh' || kind === 'local' ? 'sh' : 'powershell';
}

/** A secret reference as written (`{ env }` or `{ file }`, relative to the inventory) resolved. */
export function secretOf(
  s: { env?: string | undefined; file?: string | undefined },
  ctx: Pick<ResolveContext, 'baseDir' | 'home'>,
): SecretRef {
  return s.env !== undefined
    ? { from: 'env', name: s.env }
    : { from: 'file', path: localPath(s.file ?? '', ctx) };
}

function resolveTransport(
  layers: readonly (TransportInput | undefined)[],
  address: string,
  transportPath: Path,
  ctx: ResolveContext,
): TransportConfig {
  const t = merge(layers);
  const kind = t.kind ?? 'ssh';
  // Inventory field > ssh_config > default, for the transports that speak SSH.
  const ssh =
    kind === 'ssh' || kind === 'powershell-ssh'
      ? sshSettings(t, address, transportPath, {
          home: ctx.home,
          localUser: ctx.localUser,
          localPath: (p) => localPath(p, ctx),
          readSshConfig: ctx.readSshConfig,
          add: (path, message, hint) => ctx.sink.add(path, message, hint),
          addDetail: (d) => ctx.sink.details.push(d),
        })
      : undefined;
  const knownHosts =
    ssh?.knownHosts ?? [t.knownHosts ?? DEFAULT_KNOWN_HOSTS].flat().map((p) => localPath(p, ctx));
  const user = t.user ?? ssh?.user;
  const secret = (s: { env?: string | undefined; file?: string | undefined }) => secretOf(s, ctx);
  const remoting = kind === 'pwsh-remoting';
  const via = remoting ? (t.via ?? 'winrm') : undefined;
  return {
    kind,
    ...(via !== undefined && { via }),
    ...(via === 'winrm' && { tls: t.tls ?? true }),
    port: t.port ?? ssh?.port ?? defaultPort(kind, via, t.tls),
    ...(user !== undefined && { user }),
    ...(t.identityFile !== undefined && { identityFile: localPath(t.identityFile, ctx) }),
    ...(t.identityPassphrase !== undefined && { identityPassphrase: secret(t.identityPassphrase) }),
    knownHosts,
    ...(t.hostKeyFingerprint !== undefined && { hostKeyFingerprint: t.hostKeyFingerprint }),
    ...ssh?.extra,
    // sudo only means something to a POSIX shell over ssh.
    sudo: kind === 'ssh' && (t.sudo ?? false),
    ...(t.password !== undefined && { password: secret(t.password) }),
    connectTimeoutMs: durationMs(t.connectTimeout ?? DEFAULT_TIMEOUTS.connectTimeout),
    commandTimeoutMs: durationMs(t.commandTimeout ?? DEFAULT_TIMEOUTS.commandTimeout),
  };
}

// Several bindings on one port (SNI-based, e.g. http.sys hostnameport) get the SNI in their id.
function resolveBinding(
  b: BindingInput,
  h: HostInput,
  sharedPort: boolean,
  path: Path,
  ctx: ResolveContext,
  poolSni: readonly string[] = [],
): Binding {
  const probeAddress = b.probe?.address ?? h.address;
  // A pool member is proven with the names clients send through the VIP, besides its own.
  const own = b.probe?.sni;
  const written = own === undefined || own === 'none' ? [] : typeof own === 'string' ? [own] : own;
  const sni =
    poolSni.length === 0
      ? resolveSni(own, probeAddress, [...path, 'probe'], ctx)
      : [...new Set([...written, ...poolSni])];
  const pool = b.probe?.pool;
  const probePort = b.probe?.port ?? b.port;
  checkNetTcp(b.probe?.protocol, b.probe?.via, probePort, [...path, 'probe'], ctx);
  const probe: ProbeSpec = {
    address: probeAddress,
    port: probePort,
    sni,
    ...(b.probe?.protocol !== undefined && { protocol: b.probe.protocol }),
    ...(b.probe?.protocol === 'nettcp' && viaFor(b, probePort, sni[0] ?? probeAddress)),
    ...(b.probe?.within !== undefined && { withinMs: durationMs(b.probe.within) }),
    ...(pool !== undefined && {
      pool: {
        members: pool.members.map((m) => ({ name: m.name, address: m.address, port: m.port })),
        ...(pool.vip !== undefined && { vip: { address: pool.vip.address, port: pool.vip.port } }),
        vipSamples: pool.vipSamples ?? 8,
      },
    }),
  };
  const params = { ...(b.params ?? {}) };
  checkThumbprintParams(params, [...path, 'params'], ctx);
  return {
    id: b.id ?? (sharedPort ? `${h.name}:${b.port}/${sni[0] ?? 'no-sni'}` : `${h.name}:${b.port}`),
    port: b.port,
    kind: b.kind,
    params,
    probe,
    origin: origin(ctx, path),
  };
}

// No SNI written: a DNS address is what a client connecting by that name would send, so use
// it; an IP address gives no name to send, and guessing one could verify the wrong binding.
function resolveSni(
  sni: string | readonly string[] | undefined,
  probeAddress: string,
  path: Path,
  ctx: ResolveContext,
): string[] {
  if (sni === 'none') return [];
  if (typeof sni === 'string') return [sni];
  if (sni !== undefined) return [...sni];
  if (!isIPv4(probeAddress) && !isIPv6(probeAddress) && isDnsName(probeAddress))
    return [probeAddress];
  ctx.sink.add(
    path,
    `probe.sni is required: the probe address ${probeAddress} is an IP address, so there is no name to send`,
    'Write probe: { sni: [www.example.com] } with the name clients use, or probe: { sni: none } if clients send no SNI.',
  );
  return [];
}

/** Business Central's default client services port: net.tcp, never TLS from the first byte. */
export const BC_CLIENT_SERVICES_PORT = 7046;

// A plain TLS handshake to a net.tcp port always fails (TLS starts inside the framing), so a
// binding there without `protocol` could only end in a rollback after the change: refuse it at
// plan, before any host is touched, and let the user say which protocol the port speaks.
function checkNetTcp(
  protocol: 'tls' | 'nettcp' | undefined,
  via: string | undefined,
  port: number,
  path: Path,
  ctx: ResolveContext,
): void {
  if (via !== undefined && protocol !== 'nettcp')
    ctx.sink.add(
      [...path, 'via'],
      `probe.via ${via} is for net.tcp endpoints, but probe.protocol is ${protocol ?? 'tls (the default)'}`,
      'Add probe: { protocol: nettcp } or remove via.',
    );
  if (port === BC_CLIENT_SERVICES_PORT && protocol === undefined)
    ctx.sink.add(
      path,
      `port ${port} is Business Central's client services port, which speaks net.tcp (TLS inside .NET Message Framing): a plain TLS probe can never verify it`,
      'Write probe: { protocol: nettcp } (optionally via: net.tcp://<server>:7046/<instance>/Service) to verify it through the framing, or probe: { protocol: tls } if this port really serves TLS directly.',
    );
}

// A BC service tier's client services endpoint is net.tcp://<server>:<port>/<instance>/Service;
// WCF routes by the via's path, so a via without the instance would be refused before TLS.
function viaFor(b: BindingInput, port: number, name: string): { via?: string } {
  if (b.probe?.via !== undefined) return { via: b.probe.via };
  const instance = b.params?.['instance'];
  if (b.kind !== 'bc-service-tier' || typeof instance !== 'string') return {};
  const host = name.includes(':') ? `[${name}]` : name;
  return { via: `net.tcp://${host}:${port}/${encodeURIComponent(instance)}/Service` };
}

// Thumbprints hide in binding parameters (netsh certhash, IIS, BC); catch MMC copy damage early.
function checkThumbprintParams(
  params: Readonly<Record<string, unknown>>,
  path: Path,
  ctx: ResolveContext,
): void {
  for (const [key, value] of Object.entries(params)) {
    if (!/thumbprint$|^certhash$/i.test(key)) continue;
    const problem =
      typeof value === 'string'
        ? thumbprintProblem(value)
        : { message: `expected a thumbprint (40 hex digits) as a string, got ${String(value)}` };
    if (problem !== undefined) ctx.sink.add([...path, key], problem.message, problem.hint);
  }
}

function origin(
  ctx: ResolveContext,
  path: Path,
): { file: string; line?: number; column?: number; field: string } {
  const pos = ctx.locate(path);
  return pos === undefined
    ? { file: ctx.file, field: ctx.sink.fieldName(path) }
    : {
        file: pos.file ?? ctx.file,
        line: pos.line,
        column: pos.column,
        field: ctx.sink.fieldName(path),
      };
}
