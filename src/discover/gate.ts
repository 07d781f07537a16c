// The plan gate and the post-rollout sweep, over discovery results. Pure.
import { CertrollError, type ErrorDetail } from '../errors.js';
import { bindingSnippet, describeEndpoint, exclusionSnippet } from './snippet.js';
import { type EndpointReport, type HostDiscovery } from './types.js';

export interface Gap {
  readonly env: string;
  readonly host: string;
  readonly hostAddress: string;
  readonly endpoint: EndpointReport;
}

/** Endpoints on an old certificate that are neither bound nor excluded. */
export function coverageGaps(hosts: readonly HostDiscovery[]): Gap[] {
  return hosts.flatMap((h) =>
    h.endpoints
      .filter((e) => e.old && e.coverage.kind === 'uncovered')
      .map((endpoint) => ({ env: h.env, host: h.host, hostAddress: h.address, endpoint })),
  );
}

export function gapDetail(g: Gap): ErrorDetail {
  const indent = (s: string) => s.replace(/^/gm, '      ');
  return {
    message:
      `${g.env}/${describeEndpoint(g.host, g.endpoint)} serves or loads the certificate being replaced and is not in the inventory.\n` +
      `    add under hosts[${g.host}].bindings:\n${indent(bindingSnippet(g.endpoint, g.hostAddress))}\n` +
      `    or, to leave it alone on purpose, under hosts[${g.host}].exclude:\n${indent(exclusionSnippet(g.endpoint, g.hostAddress))}`,
  };
}

/** COVERAGE_GAP naming every gap; thrown before anything changes. */
export function coverageGapError(gaps: readonly Gap[], nothingTouched: string): CertrollError {
  const names = gaps.map((g) => describeEndpoint(g.host, g.endpoint));
  return new CertrollError(
    'COVERAGE_GAP',
    `${gaps.length} endpoint(s) on the certificate being replaced are not in the inventory: ${names.join(', ')}. ${nothingTouched}`,
    {
      details: gaps.map(gapDetail),
      hint: 'Add each endpoint as a binding, or exclude it with a reason (`exclude: [{ port, reason }]`); `certroll discover -i INV` lists them all.',
    },
  );
}

/** Excluded endpoints that load the certificate file of a binding the rollout will change. */
export function sharedFileExclusions(hosts: readonly HostDiscovery[]): Gap[] {
  return hosts.flatMap((h) =>
    h.endpoints
      .filter((e) => e.sharesFileWith !== undefined)
      .map((endpoint) => ({ env: h.env, host: h.host, hostAddress: h.address, endpoint })),
  );
}

/** COVERAGE_GAP: changing the binding would change the excluded endpoint too. */
export function sharedFileError(shared: readonly Gap[], nothingTouched: string): CertrollError {
  return new CertrollError(
    'COVERAGE_GAP',
    `${shared.length} excluded endpoint(s) load the certificate file of a binding this rollout changes, so the rollout would change them too. ${nothingTouched}`,
    {
      details: shared.map((g) => {
        const file = g.endpoint.configured.find((c) => c.certFile !== undefined)?.certFile ?? '?';
        return {
          message: `${g.env}/${describeEndpoint(g.host, g.endpoint)} is excluded, but it loads ${file}, the file binding ${g.endpoint.sharesFileWith ?? '?'} writes`,
        };
      }),
      hint: 'Give the excluded service a certificate file of its own, or drop the exclusion and add it as a binding.',
    },
  );
}

/** Discovery failures on hosts (unreachable, a command that failed) as error details. */
export function hostProblems(hosts: readonly HostDiscovery[]): ErrorDetail[] {
  return hosts
    .filter((h) => h.error !== undefined)
    .map((h) => ({ message: `${h.env}/${h.host}: discovery failed: ${h.error ?? ''}` }));
}

export interface Leftover {
  readonly env: string;
  readonly host: string;
  readonly endpoint: EndpointReport;
  readonly sha256: string;
  /** The SNI names (null: none sent) whose handshakes saw it. */
  readonly sni: readonly (string | null)[];
}

/** After a rollout: every endpoint that still serves an old certificate, with the SNI sent. */
export function sweepLeftovers(
  hosts: readonly HostDiscovery[],
  old: ReadonlySet<string>,
): Leftover[] {
  const out: Leftover[] = [];
  for (const h of hosts)
    for (const e of h.endpoints) {
      const hits = e.served.filter((s) => old.has(s.cert.sha256));
      const first = hits[0];
      if (first !== undefined)
        out.push({
          env: h.env,
          host: h.host,
          endpoint: e,
          sha256: first.cert.sha256,
          sni: hits.map((s) => s.sni),
        });
    }
  return out;
}

export function renderLeftovers(
  leftovers: readonly Leftover[],
  unreachable: readonly string[],
  rolledBack = 0,
): string {
  const lines: string[] = [];
  for (const l of leftovers) {
    const cov = l.endpoint.coverage;
    const why =
      cov.kind === 'binding'
        ? `binding ${cov.binding}`
        : cov.kind === 'excluded'
          ? `excluded: ${cov.reason}`
          : 'not in the inventory';
    lines.push(
      `  ${l.env}/${describeEndpoint(l.host, l.endpoint)} (${l.sni.map((n) => (n === null ? 'no SNI' : `SNI ${n}`)).join(', ')}): still serves ${l.sha256.slice(0, 16)} (${why})`,
    );
  }
  for (const u of unreachable) lines.push(`  ${u}`);
  // Bindings the rollout rolled back serve the old certificate by design; they are in its summary.
  const except = rolledBack > 0 ? ` besides the ${rolledBack} binding(s) rolled back above` : '';
  if (lines.length === 0) return `sweep: no endpoint serves the old certificate${except}\n`;
  return `sweep: ${leftovers.length} endpoint(s) still serve the old certificate${except}${unreachable.length > 0 ? `, ${unreachable.length} host(s) not swept` : ''}\n${lines.join('\n')}\n`;
}
