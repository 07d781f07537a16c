// `certroll discover` output: a table with the snippets to add, JSON or YAML. Pure.
import { stringify } from 'yaml';
import { shortFingerprint } from '../cert/fingerprint-prefix.js';
import { bindingSnippet, exclusionSnippet } from './snippet.js';
import { type EndpointReport, type HostDiscovery } from './types.js';

export interface DiscoverSummary {
  readonly endpoints: number;
  readonly bound: number;
  readonly excluded: number;
  readonly uncovered: number;
  readonly uncoveredOld: number;
  readonly unreachable: number;
  /** Endpoints with a CRITICAL finding: a configured certificate expired or about to. */
  readonly critical: number;
}

export function summarise(hosts: readonly HostDiscovery[]): DiscoverSummary {
  const all = hosts.flatMap((h) => h.endpoints);
  const by = (k: string) => all.filter((e) => e.coverage.kind === k).length;
  return {
    endpoints: all.length,
    bound: by('binding'),
    excluded: by('excluded'),
    uncovered: by('uncovered'),
    uncoveredOld: all.filter((e) => e.coverage.kind === 'uncovered' && e.old).length,
    unreachable: hosts.filter((h) => h.error !== undefined).length,
    critical: all.filter((e) => e.findings.some((f) => f.severity === 'CRITICAL')).length,
  };
}

/**
 * 0: nothing on the old certificate is uncovered; 1: something is, or a host was not seen;
 * 2: a CRITICAL finding (a service is configured with a certificate that is expired or expires
 * within --crit-days: it fails at its next restart), whatever else was found.
 */
export const discoverExitCode = (s: DiscoverSummary): number =>
  s.critical > 0 ? 2 : s.uncoveredOld > 0 || s.unreachable > 0 ? 1 : 0;

// The form `--old` and `--expect` accept back (a prefix, unambiguous among what was seen).
const short = shortFingerprint;

function coverageText(e: EndpointReport): string {
  switch (e.coverage.kind) {
    case 'binding':
      return `binding ${e.coverage.binding}`;
    case 'excluded':
      return 'excluded';
    case 'uncovered':
      return e.old ? 'NOT IN INVENTORY (old certificate)' : 'not in inventory';
  }
}

function servedText(e: EndpointReport): string {
  const distinct = [...new Set(e.served.map((s) => s.cert.sha256))];
  return distinct.length === 0 ? '-' : distinct.map(short).join(' ');
}

function configuredText(e: EndpointReport): string {
  const c = e.configured.map(
    (x) =>
      `${x.source}${x.cert !== undefined ? ` ${short(x.cert.sha256)}` : x.thumbprint !== undefined ? ` ${x.thumbprint.slice(0, 12)}…` : ''}`,
  );
  return c.length === 0 ? '-' : [...new Set(c)].join(' ');
}

const bracket = (a: string) => (a.includes(':') ? `[${a}]` : a);

export function renderTable(hosts: readonly HostDiscovery[], old: ReadonlySet<string>): string {
  const rows: string[][] = [['ENV', 'HOST', 'ENDPOINT', 'SNI', 'COVERAGE', 'SERVES', 'CONFIGURED']];
  const below = new Map<number, string[]>();
  for (const h of hosts) {
    if (h.error !== undefined) {
      rows.push([h.env, h.host, '-', '-', 'NOT DISCOVERED', '-', '-']);
      below.set(rows.length - 1, [`    ${h.error}`]);
      continue;
    }
    for (const e of h.endpoints) {
      rows.push([
        h.env,
        h.host,
        `${bracket(e.address)}:${e.port}`,
        e.sni ?? '-',
        coverageText(e),
        servedText(e),
        configuredText(e),
      ]);
      const extra = e.findings.map((f) => `    ${f.severity}: ${f.message}`);
      if (e.coverage.kind === 'excluded') extra.push(`    excluded: ${e.coverage.reason}`);
      if (e.coverage.kind === 'uncovered') {
        extra.push(
          `    add to hosts[${h.host}].bindings:`,
          ...bindingSnippet(e, h.address)
            .split('\n')
            .map((l) => `      ${l}`),
        );
        extra.push(
          `    or to hosts[${h.host}].exclude:`,
          `      ${exclusionSnippet(e, h.address)}`,
        );
      }
      if (extra.length > 0) below.set(rows.length - 1, extra);
    }
    for (const n of h.notes) {
      rows.push([h.env, h.host, '', '', `note: ${n}`]);
    }
  }
  const widths = rows[0]!.map((_, i) =>
    Math.min(44, Math.max(...rows.map((r) => (r[i] ?? '').length))),
  );
  const lines: string[] = [];
  rows.forEach((r, n) => {
    lines.push(
      r
        .map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i] ?? 0) : c))
        .join('  ')
        .trimEnd(),
    );
    lines.push(...(below.get(n) ?? []));
  });
  const s = summarise(hosts);
  lines.push(
    `old certificate(s): ${old.size === 0 ? 'none known' : [...old].map(short).join(', ')}`,
    `${s.endpoints} TLS endpoint(s) on ${hosts.length} host(s): ${s.bound} bound, ${s.excluded} excluded, ${s.uncovered} not in the inventory (${s.uncoveredOld} on the old certificate)${s.unreachable > 0 ? `; ${s.unreachable} host(s) not discovered` : ''}`,
  );
  return `${lines.join('\n')}\n`;
}

export function discoverDocument(hosts: readonly HostDiscovery[], old: ReadonlySet<string>) {
  const summary = summarise(hosts);
  return { version: 1, exitCode: discoverExitCode(summary), summary, old: [...old], hosts };
}

export const renderJson = (hosts: readonly HostDiscovery[], old: ReadonlySet<string>): string =>
  `${JSON.stringify(discoverDocument(hosts, old), null, 2)}\n`;

export const renderYaml = (hosts: readonly HostDiscovery[], old: ReadonlySet<string>): string =>
  stringify(discoverDocument(hosts, old));
