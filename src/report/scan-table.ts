// The scan as a table for people: one line per endpoint, reasons below, a summary last.
import { type ClassifiedEndpoint, type ScanReport, type Status } from '../probe/scan-types.js';

const COLOUR: Readonly<Record<Status, string>> = {
  OK: '\u001b[32m',
  WARNING: '\u001b[33m',
  CRITICAL: '\u001b[31m',
  UNKNOWN: '\u001b[35m',
};
const RESET = '\u001b[0m';

function endpointText(e: ClassifiedEndpoint): string[] {
  const ep = e.endpoint;
  const leaves = new Map(
    e.results.flatMap((r) => (r.ok ? [[r.leaf.sha256, r.leaf] as const] : [])),
  );
  // A VIP that served several leaves shows how many; the reasons below name them.
  const leaf = leaves.size === 1 ? [...leaves.values()][0] : undefined;
  const fp = leaves.size > 1 ? `${leaves.size} leaves` : leaf ? leaf.sha256.slice(0, 16) : '-';
  const where = ep.address.includes(':')
    ? `[${ep.address}]:${ep.port}`
    : `${ep.address}:${ep.port}`;
  return [
    ep.env,
    ep.host,
    where,
    ep.sni ?? '(none)',
    ep.role === 'direct' ? '-' : ep.role === 'vip' ? `vip×${ep.samples}` : (ep.member ?? '-'),
    fp,
    leaf ? leaf.notAfter.slice(0, 10) : '-',
  ];
}

function pad(cells: readonly string[], widths: readonly number[]): string {
  return cells
    .map((c, i) => c.padEnd(widths[i] ?? 0))
    .join('  ')
    .trimEnd();
}

export function renderScanTable(report: ScanReport, options: { colour: boolean }): string {
  const head = ['STATUS', 'ENV', 'HOST', 'ENDPOINT', 'SNI', 'MEMBER', 'SHA256', 'NOT AFTER'];
  const rows = report.endpoints.map((e) => [e.status, ...endpointText(e)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const paint = (s: Status, text: string): string =>
    options.colour ? `${COLOUR[s]}${text}${RESET}` : text;
  const lines = [pad(head, widths)];
  report.endpoints.forEach((e, i) => {
    const line = pad(rows[i] ?? [], widths);
    lines.push(paint(e.status, line.slice(0, e.status.length)) + line.slice(e.status.length));
    for (const reason of e.reasons) lines.push(`    ${reason}`);
  });
  for (const p of report.pools) {
    const label = `pool ${p.env}/${p.host}/${p.binding}${p.sni ? ` (${p.sni})` : ''}`;
    lines.push(`${label}: ${p.verdict.state}: ${p.verdict.summary}`);
  }
  const c = report.counts;
  lines.push(
    `${paint(report.overall, report.overall)}: ${report.endpoints.length} endpoint(s), ${report.probes} handshake(s) in ${Math.round(report.durationMs)} ms: ${c.OK} OK, ${c.WARNING} WARNING, ${c.CRITICAL} CRITICAL`,
  );
  return `${lines.join('\n')}\n`;
}
