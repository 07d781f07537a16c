// Inventory entries that would cover an uncovered endpoint: a binding to add, or the exclusion
// to write instead. Pure; values are JSON-quoted, which YAML reads as double-quoted strings.
import { type EndpointReport } from './types.js';

const q = (s: string): string => JSON.stringify(s);

const KIND: Readonly<Record<string, string>> = {
  nginx: 'nginx',
  haproxy: 'haproxy',
  netsh: 'netsh-http',
  iis: 'iis',
  bc: 'bc-service-tier',
};

function paramsFor(e: EndpointReport): string {
  const c = e.configured[0];
  if (c === undefined) return '{}  # fill in the parameters of the binding kind';
  switch (c.source) {
    case 'nginx':
      return `{ certPath: ${q(c.certFile ?? 'FILL-IN')}, keyPath: ${q(c.keyFile ?? 'FILL-IN: ssl_certificate_key')} }`;
    case 'haproxy':
      return `{ crtPath: ${q(c.certFile ?? 'FILL-IN')}, configPath: ${q(c.configFile ?? 'FILL-IN: haproxy.cfg')} }`;
    case 'bc':
      return `{ instance: ${q(c.instance ?? 'FILL-IN')} }`;
    case 'iis':
      return `{ site: ${q(c.instance ?? 'FILL-IN')} }`;
    case 'netsh':
      return e.sni !== undefined
        ? `{ hostnameport: ${q(`${e.sni}:${e.port}`)} }`
        : `{ ipport: ${q(`${c.address ?? '0.0.0.0'}:${e.port}`)} }`;
  }
}

/** YAML lines for the host's `bindings:` list. */
export function bindingSnippet(e: EndpointReport, hostAddress: string): string {
  const kind = KIND[e.configured[0]?.source ?? ''] ?? 'pem-files';
  const names = [
    ...new Set([
      ...(e.sni !== undefined ? [e.sni] : []),
      ...e.configured.flatMap((c) => c.names),
      ...e.served.flatMap((s) => (s.sni !== null ? [s.sni] : [])),
    ]),
  ];
  const probe: string[] = [];
  if (e.address !== hostAddress) probe.push(`address: ${q(e.address)}`);
  probe.push(names.length > 0 ? `sni: [${names.map(q).join(', ')}]` : 'sni: none');
  return [
    `- port: ${e.port}`,
    `  kind: ${kind}`,
    `  params: ${paramsFor(e)}`,
    `  probe: { ${probe.join(', ')} }`,
  ].join('\n');
}

/** YAML line for the host's `exclude:` list. */
export function exclusionSnippet(e: EndpointReport, hostAddress: string): string {
  const address = e.address !== hostAddress ? `, address: ${q(e.address)}` : '';
  return `- { port: ${e.port}${address}, reason: ${q('FILL-IN: why this endpoint keeps its certificate')} }`;
}

export const describeEndpoint = (
  host: string,
  e: { address: string; port: number; sni?: string },
) =>
  `${host} ${e.address.includes(':') ? `[${e.address}]` : e.address}:${e.port}${e.sni !== undefined ? ` (SNI ${e.sni})` : ''}`;
