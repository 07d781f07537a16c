// Parses `netsh http show sslcert` output (any Windows build, English or localized) into
// bindings. Labels are matched in English and German; where a label is not known (another
// locale) the first thirteen fields are taken by position, which has been stable since 2008 R2,
// and the endpoint's kind is decided by the shape of its value, not its label.

export type NetshEndpointKind = 'ipport' | 'hostnameport' | 'ccs';

export interface NetshEndpoint {
  readonly kind: NetshEndpointKind;
  /** `0.0.0.0:443`, `[::]:443`, `www.example.com:443`, or the port for ccs. */
  readonly value: string;
}

export const NETSH_FIELDS = [
  'certificateHash',
  'appId',
  'certStoreName',
  'verifyClientCertRevocation',
  'verifyRevocationWithCachedClientCertOnly',
  'usageCheck',
  'revocationFreshnessTime',
  'urlRetrievalTimeout',
  'sslCtlIdentifier',
  'sslCtlStoreName',
  'dsMapperUsage',
  'clientCertNegotiation',
  'rejectConnections',
  'disableHttp2',
  'disableQuic',
  'disableTls12',
  'disableTls13',
  'disableOcspStapling',
  'enableTokenBinding',
  'logExtendedEvents',
  'disableLegacyTls',
  'enableSessionTicket',
] as const;
export type NetshField = (typeof NETSH_FIELDS)[number];

export interface NetshBinding {
  readonly endpoint: NetshEndpoint;
  /** Field values as printed, `(null)` as null; see netshFlag/netshNumber to interpret. */
  readonly fields: Readonly<Partial<Record<NetshField, string | null>>>;
  /** Lines whose label was not recognised (kept for the record), in order. */
  readonly extra: readonly { readonly label: string; readonly value: string }[];
}

const LABELS: Readonly<Record<string, NetshField>> = {
  'certificate hash': 'certificateHash',
  'application id': 'appId',
  'certificate store name': 'certStoreName',
  'verify client certificate revocation': 'verifyClientCertRevocation',
  'verify revocation using cached client certificate only':
    'verifyRevocationWithCachedClientCertOnly',
  'usage check': 'usageCheck',
  'revocation freshness time': 'revocationFreshnessTime',
  'url retrieval timeout': 'urlRetrievalTimeout',
  'ctl identifier': 'sslCtlIdentifier',
  'ctl store name': 'sslCtlStoreName',
  'ds mapper usage': 'dsMapperUsage',
  'negotiate client certificate': 'clientCertNegotiation',
  'reject connections': 'rejectConnections',
  'disable http2': 'disableHttp2',
  'disable quic': 'disableQuic',
  'disable tls1.2': 'disableTls12',
  'disable tls1.3': 'disableTls13',
  'disable ocsp stapling': 'disableOcspStapling',
  'enable token binding': 'enableTokenBinding',
  'log extended events': 'logExtendedEvents',
  'disable legacy tls versions': 'disableLegacyTls',
  'enable session ticket': 'enableSessionTicket',
  // German (de-DE) builds; the other fields are taken by position (see LAYOUTS).
  zertifikathash: 'certificateHash',
  'anwendungs-id': 'appId',
  zertifikatspeichername: 'certStoreName',
};

// Fields are `label<spaces>: value`; labels themselves may contain a colon (`IP:port`), so the
// separator is a colon with whitespace before it. `Extended Properties:` opens a nested list.
const LINE = /^(\s*)(\S.*?)\s+:\s*(.*?)\s*$/;
const HEADER = /^(\s+)(\S.*?):\s*$/;
const MAX_LINES = 100_000;

/** Every binding in the output of `netsh http show sslcert [ipport=...|hostnameport=...]`. */
export function parseNetshSslCert(output: string): NetshBinding[] {
  const lines = output.split(/\r?\n/).slice(0, MAX_LINES);
  const bindings: NetshBinding[] = [];
  let current: { endpoint: NetshEndpoint; values: { label: string; value: string }[] } | undefined;
  let nested = false;
  const flush = (): void => {
    if (current !== undefined) bindings.push(toBinding(current.endpoint, current.values));
    current = undefined;
  };
  for (const line of lines) {
    const header = HEADER.exec(line);
    if (header !== null) {
      if (current !== undefined) {
        nested = true;
        current.values.push({ label: `${header[2] ?? ''}:`, value: '' });
      }
      continue;
    }
    const m = LINE.exec(line);
    if (m === null) {
      if (line.trim() === '') nested = false;
      continue;
    }
    const [, , label = '', value = ''] = m;
    const endpoint = value !== '' ? endpointOf(label, value) : undefined;
    if (endpoint !== undefined) {
      flush();
      current = { endpoint, values: [] };
      nested = false;
      continue;
    }
    if (current === undefined) continue;
    current.values.push({ label: nested ? `${label} (nested)` : label, value });
  }
  flush();
  return bindings;
}

function endpointOf(label: string, value: string): NetshEndpoint | undefined {
  if (/^\d{1,5}$/.test(value) && /central|zentral|ccs/i.test(label)) return { kind: 'ccs', value };
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^\s:]+):(\d{1,5})$/.exec(value);
  if (m === null) return undefined;
  const host = m[1] ?? '';
  if (/^\[.*\]$/.test(host) || /^\d{1,3}(\.\d{1,3}){3}$/.test(host))
    return { kind: 'ipport', value };
  // A hostname:port value; `Certificate Hash : ab:cd` never has this shape (hex has no dots
  // and a hash has no port), but require a label that is not a known field.
  if (label.toLowerCase() in LABELS) return undefined;
  return { kind: 'hostnameport', value };
}

function toBinding(
  endpoint: NetshEndpoint,
  values: readonly { label: string; value: string }[],
): NetshBinding {
  const fields: Partial<Record<NetshField, string | null>> = {};
  const extra: { label: string; value: string }[] = [];
  const isTop = (label: string): boolean => !label.endsWith(')') && !label.endsWith(':');
  const layout = LAYOUTS[values.filter((v) => isTop(v.label)).length] ?? BASE;
  let top = -1;
  for (const { label, value } of values) {
    if (isTop(label)) top++;
    // A label we do not know (another locale): take the field its position has in this build.
    const field = LABELS[label.toLowerCase()] ?? (isTop(label) ? layout[top] : undefined);
    if (field !== undefined && !(field in fields)) {
      fields[field] = value === '(null)' || value === '' ? null : value;
    } else {
      extra.push({ label, value });
    }
  }
  return { endpoint, fields, extra };
}

// Field order by build, keyed by the number of top-level fields: used for labels we do not know.
const BASE = NETSH_FIELDS.slice(0, 12);
const LAYOUTS: Readonly<Record<number, readonly NetshField[]>> = {
  12: BASE, // 2008 R2 .. 2012 R2
  14: [...BASE, 'rejectConnections', 'disableHttp2'], // 2016
  21: [
    ...BASE,
    'rejectConnections',
    'disableHttp2',
    'disableQuic',
    'disableTls13',
    'disableOcspStapling',
    'enableTokenBinding',
    'logExtendedEvents',
    'disableLegacyTls',
    'enableSessionTicket',
  ], // 2019
  22: [
    ...BASE,
    'rejectConnections',
    'disableHttp2',
    'disableQuic',
    'disableTls12',
    'disableTls13',
    'disableOcspStapling',
    'enableTokenBinding',
    'logExtendedEvents',
    'disableLegacyTls',
    'enableSessionTicket',
  ], // 2022
};

const TRUE = /^(enabled|set|aktiviert|festgelegt|true)$/i;
const FALSE = /^(disabled|not set|deaktiviert|nicht festgelegt|false)$/i;

/** A flag field as a boolean; undefined when absent or not a recognised flag value. */
export function netshFlag(b: NetshBinding, field: NetshField): boolean | undefined {
  const v = b.fields[field];
  if (v === undefined || v === null) return undefined;
  if (TRUE.test(v)) return true;
  if (FALSE.test(v)) return false;
  return undefined;
}
