// `certroll scan --configured`: discovery's configured-versus-served findings added to a scan
// report as reasons of the bindings' direct endpoints and of every pool member's (WARNING: differs;
// CRITICAL: expired or within crit-days). Pure.
import { worst } from '../probe/status.js';
import { type ClassifiedEndpoint, type ScanReport, type Status } from '../probe/scan-types.js';
import { type HostDiscovery } from './types.js';

export function addConfigured(report: ScanReport, hosts: readonly HostDiscovery[]): ScanReport {
  const endpoints = report.endpoints.map((e): ClassifiedEndpoint => {
    // A pool member is a service of its own host: the one that will not start after a reboot.
    if (e.endpoint.role === 'vip') return e;
    const h = hosts.find((x) => x.env === e.endpoint.env && x.host === e.endpoint.host);
    if (h === undefined) return e;
    if (h.error !== undefined)
      return { ...e, reasons: [...e.reasons, `configured: not checked (${h.error})`] };
    const d = h.endpoints.find(
      (x) => x.address === e.endpoint.address && x.port === e.endpoint.port && x.sni === undefined,
    );
    const findings = d?.findings ?? [];
    if (findings.length === 0) return e;
    return {
      ...e,
      status: worst([e.status, ...findings.map((f): Status => f.severity)]),
      reasons: [...e.reasons, ...findings.map((f) => `configured: ${f.message}`)],
    };
  });
  const counts: Record<Status, number> = { OK: 0, WARNING: 0, CRITICAL: 0, UNKNOWN: 0 };
  for (const e of endpoints) counts[e.status]++;
  return { ...report, endpoints, counts, overall: worst(endpoints.map((e) => e.status)) };
}
