// The Windows discovery script's JSON: netsh sslcert bindings, listeners, IIS bindings and the
// SSL-enabled ports of NAV/BC service tiers, as configured endpoints. Pure.
import { parseNetshSslCert } from '../../playbooks/parse/netsh.js';
import { splitHostPort } from '../parse/listeners.js';
import { type ConfiguredEndpoint, type Listener } from '../types.js';

export interface WindowsDiscovery {
  readonly listeners: Listener[];
  readonly configured: ConfiguredEndpoint[];
  readonly notes: string[];
}

interface Raw {
  netsh?: unknown;
  netshExit?: unknown;
  listeners?: unknown;
  iis?: unknown;
  bc?: unknown;
}

const arr = (v: unknown): Record<string, unknown>[] =>
  (Array.isArray(v) ? v : v !== null && typeof v === 'object' ? [v] : []).filter(
    (x): x is Record<string, unknown> => x !== null && typeof x === 'object',
  );
const s = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
const thumb = (v: string): string | undefined =>
  /^[0-9A-Fa-f]{40}$/.test(v.trim()) ? v.trim().toUpperCase() : undefined;

/** netsh's own listing: ipport (`0.0.0.0:443`, `[::]:443`) and hostnameport (`name:443`). */
export function netshEndpoints(text: string): ConfiguredEndpoint[] {
  const out: ConfiguredEndpoint[] = [];
  for (const b of parseNetshSslCert(text)) {
    if (b.endpoint.kind === 'ccs') continue;
    const hp = splitHostPort(b.endpoint.value);
    if (hp === undefined) continue;
    const t = thumb(b.fields.certificateHash ?? '');
    const named = b.endpoint.kind === 'hostnameport';
    out.push({
      source: 'netsh',
      address: named || hp.address === '0.0.0.0' || hp.address === '::' ? null : hp.address,
      port: hp.port,
      names: named ? [hp.address] : [],
      ...(t !== undefined ? { thumbprint: t } : {}),
      ...(b.fields.appId ? { instance: b.fields.appId } : {}),
    });
  }
  return out;
}

// BC settings that name an SSL-enabled port; SSL itself is on per service when its flag is true.
const BC_PORTS: readonly (readonly [string, string])[] = [
  ['SOAPServicesPort', 'SOAPServicesSSLEnabled'],
  ['ODataServicesPort', 'ODataServicesSSLEnabled'],
  ['DeveloperServicesPort', 'DeveloperServicesSSLEnabled'],
  ['ManagementApiServicesPort', 'ManagementApiServicesSSLEnabled'],
  ['ApiServicesPort', 'ApiServicesSSLEnabled'],
  ['SnapshotDebuggerServicesPort', 'SnapshotDebuggerServicesSSLEnabled'],
];

export function bcEndpoints(instances: readonly Record<string, unknown>[]): ConfiguredEndpoint[] {
  const out: ConfiguredEndpoint[] = [];
  for (const i of instances) {
    const cfg = (i['settings'] ?? {}) as Record<string, unknown>;
    const t = thumb(s(cfg['ServicesCertificateThumbprint']));
    const on = (k: string) => s(cfg[k]).toLowerCase() === 'true';
    const ports: number[] = [];
    for (const [portKey, flag] of BC_PORTS) if (on(flag)) ports.push(Number(s(cfg[portKey])));
    // Client services use SSL when their credential type needs it or a thumbprint is set.
    if (t !== undefined && s(cfg['ClientServicesPort']) !== '')
      ports.push(Number(s(cfg['ClientServicesPort'])));
    for (const port of ports.filter((p) => Number.isInteger(p) && p > 0 && p < 65536)) {
      out.push({
        source: 'bc',
        address: null,
        port,
        names: [],
        ...(t !== undefined ? { thumbprint: t } : {}),
        instance: s(i['instance']),
      });
    }
  }
  return out;
}

export function iisEndpoints(bindings: readonly Record<string, unknown>[]): ConfiguredEndpoint[] {
  const out: ConfiguredEndpoint[] = [];
  for (const b of bindings) {
    // bindingInformation is `ip:port:hostheader`, ip `*` for all addresses.
    const m = /^(.*):(\d+):(.*)$/.exec(s(b['bindingInformation']));
    if (m === null) continue;
    const ip = m[1] === '*' || m[1] === '' ? null : m[1]!.replace(/^\[|\]$/g, '');
    const t = thumb(s(b['certificateHash']));
    out.push({
      source: 'iis',
      address: ip,
      port: Number(m[2]),
      names: m[3] !== '' ? [m[3]!] : [],
      ...(t !== undefined ? { thumbprint: t } : {}),
      instance: s(b['site']),
    });
  }
  return out;
}

export function parseWindowsDiscovery(stdout: string): WindowsDiscovery {
  const start = stdout.indexOf('{');
  const raw = JSON.parse(start >= 0 ? stdout.slice(start) : stdout) as Raw;
  const notes: string[] = [];
  if (s(raw.netshExit) !== '' && s(raw.netshExit) !== '0')
    notes.push(`netsh http show sslcert exited ${s(raw.netshExit)}`);
  const listeners: Listener[] = arr(raw.listeners)
    .map((l) => ({
      address: s(l['address']),
      port: Number(l['port']),
      ...(s(l['process']) !== '' ? { process: s(l['process']) } : {}),
    }))
    .filter((l) => Number.isInteger(l.port) && l.port > 0 && l.port < 65536);
  return {
    listeners,
    configured: [
      ...netshEndpoints(s(raw.netsh)),
      ...iisEndpoints(arr(raw.iis)),
      ...bcEndpoints(arr(raw.bc)),
    ],
    notes,
  };
}
