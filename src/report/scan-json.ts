// The scan as JSON: a stable, versioned document for scripts.
import { type ScanReport } from '../probe/scan-types.js';
import { type ProbeResult } from '../probe/types.js';
import { exitCodeForStatus } from './status.js';

function resultJson(r: ProbeResult): unknown {
  if (!r.ok) return { ok: false, at: r.at, failure: r.failure, elapsedMs: Math.round(r.elapsedMs) };
  return {
    ok: true,
    at: r.at,
    leaf: r.leaf,
    chain: r.chain,
    protocol: r.protocol,
    cipher: r.cipher,
    trust: r.trust,
    name: r.name,
    sessionReused: r.sessionReused,
    handshakeMs: Math.round(r.handshakeMs * 10) / 10,
  };
}

export function scanReportJson(report: ScanReport): unknown {
  return {
    version: 1,
    status: report.overall,
    exitCode: exitCodeForStatus(report.overall),
    startedAt: report.startedAt,
    durationMs: Math.round(report.durationMs),
    policy: report.policy,
    counts: report.counts,
    probes: report.probes,
    endpoints: report.endpoints.map((e) => ({
      ...e.endpoint,
      status: e.status,
      reasons: e.reasons,
      results: e.results.map(resultJson),
    })),
    pools: report.pools,
  };
}

export function renderScanJson(report: ScanReport): string {
  return `${JSON.stringify(scanReportJson(report), null, 2)}\n`;
}
