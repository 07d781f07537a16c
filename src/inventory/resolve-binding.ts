// A binding resolved: its id, its probe (address, port, SNI decided, net.tcp's via, a pool's
// members), and the checks that need the binding as a whole (net.tcp ports, thumbprints).
import { durationMs, isDnsName, isIPv4, isIPv6 } from './fields.js';
import { type Binding, type ProbeSpec } from './model.js';
import { type Path } from './paths.js';
import { origin, type ResolveContext } from './resolve-context.js';
import { thumbprintProblem } from './thumbprints.js';
import { type BindingInput, type HostInput } from './schema.js';

// Several bindings on one port (SNI-based, e.g. http.sys hostnameport) get the SNI in their id.
export function resolveBinding(
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
