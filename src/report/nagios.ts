// `certroll scan --format nagios`: the monitoring plugin convention (Nagios, Icinga, Naemon,
// Sensu): the status line first, `CERTROLL <STATUS> - <summary> | <perfdata>`, then one line per
// endpoint that is not OK; the exit code says the same (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
// Perfdata: the days left of each endpoint's earliest-expiring certificate, with the thresholds
// as ranges (`30:` = alert below 30), so a graph shows the expiry coming.
import { type ClassifiedEndpoint, type ScanReport } from '../probe/scan-types.js';

const DAY_MS = 86_400_000;

function where(e: ClassifiedEndpoint): string {
  const p = e.endpoint;
  const member = p.member !== null ? ` (${p.member})` : '';
  return `${p.env}/${p.host} ${p.address}:${p.port}${p.sni !== null ? ` ${p.sni}` : ''}${member}`;
}

/** Perfdata labels may hold anything but `'` and `=`; quoted because they hold spaces and slashes. */
function label(e: ClassifiedEndpoint): string {
  const p = e.endpoint;
  const parts = [
    p.env,
    p.host,
    `${p.address}:${p.port}`,
    p.sni ?? '-',
    ...(p.member !== null ? [p.member] : []),
  ];
  return `'${parts.join('/').replace(/['=]/g, '_')}'`;
}

/** Whole days left on the earliest-expiring certificate served, or undefined with no answer. */
export function daysLeft(e: ClassifiedEndpoint, nowMs: number): number | undefined {
  const notAfter = e.results.flatMap((r) =>
    r.ok ? [r.leaf, ...r.chain].map((c) => c.notAfterMs) : [],
  );
  if (notAfter.length === 0) return undefined;
  return Math.floor((Math.min(...notAfter) - nowMs) / DAY_MS);
}

export function renderNagios(report: ScanReport, nowMs = Date.parse(report.startedAt)): string {
  const bad = report.endpoints.filter((e) => e.status !== 'OK');
  const n = report.endpoints.length;
  const worst = bad.find((e) => e.status === report.overall);
  const summary =
    bad.length === 0
      ? `${n} endpoint(s) OK`
      : `${[
          ...(report.counts.CRITICAL > 0 ? [`${report.counts.CRITICAL} CRITICAL`] : []),
          ...(report.counts.WARNING > 0 ? [`${report.counts.WARNING} WARNING`] : []),
        ].join(
          ', ',
        )} of ${n} endpoint(s); ${worst !== undefined ? `${where(worst)}: ${worst.reasons[0] ?? worst.status}` : ''}`;
  const { warnDays, critDays } = report.policy;
  const perf = report.endpoints.map((e) => {
    const left = daysLeft(e, nowMs);
    return `${label(e)}=${left === undefined ? 'U' : String(left)};${warnDays}:;${critDays}:`;
  });
  // The status line must stay one line; a reason may not carry a `|` into it.
  const line = `CERTROLL ${report.overall} - ${summary.replace(/[|\n]/g, ' ')} | ${perf.join(' ')}`;
  const details = bad.flatMap((e) =>
    e.reasons.map((r) => `${e.status} ${where(e)}: ${r}`.replace(/\|/g, '/')),
  );
  return `${[line, ...details].join('\n')}\n`;
}
