// Status of each scanned endpoint, decided purely from what was observed and the policy:
//   CRITICAL: no answer; a certificate in the served chain expired or with fewer than critDays
//             left; untrusted chain; the SNI name sent does not match; leaf != --expect; leaf ==
//             --old; this member or VIP sample disagrees with its pool (mixed pool).
//   WARNING:  fewer than warnDays left; name mismatch when no SNI was sent (the checked name is
//             only the address).
//   OK:       none of the above.
// UNKNOWN is not decided here: it means the scan itself could not run.
import { type PoolVerdict } from './pool-analysis.js';
import {
  type ClassifiedEndpoint,
  type EndpointObservation,
  type Status,
  type StatusPolicy,
} from './scan-types.js';
import { type CertSummary, type ProbeResult } from './types.js';

const DAY_MS = 86_400_000;
const RANK: Readonly<Record<Status, number>> = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 };

export function worst(statuses: Iterable<Status>): Status {
  let w: Status = 'OK';
  for (const s of statuses) if (RANK[s] > RANK[w]) w = s;
  return w;
}

interface Finding {
  readonly status: Status;
  readonly reason: string;
}

const short = (sha: string): string => sha.slice(0, 16);

function expiryFinding(
  cert: CertSummary,
  isLeaf: boolean,
  policy: StatusPolicy,
  nowMs: number,
): Finding | undefined {
  const what = isLeaf ? 'certificate' : `chain certificate ${cert.subject}`;
  const daysLeft = (cert.notAfterMs - nowMs) / DAY_MS;
  const date = cert.notAfter.slice(0, 10);
  if (daysLeft <= 0)
    return {
      status: 'CRITICAL',
      reason: `${what} expired ${Math.floor(-daysLeft)} day(s) ago (${date})`,
    };
  if (daysLeft < policy.critDays) {
    return {
      status: 'CRITICAL',
      reason: `${what} expires in ${Math.floor(daysLeft)} day(s) (${date})`,
    };
  }
  if (daysLeft < policy.warnDays) {
    return {
      status: 'WARNING',
      reason: `${what} expires in ${Math.floor(daysLeft)} day(s) (${date})`,
    };
  }
  return undefined;
}

export function classifyResult(r: ProbeResult, policy: StatusPolicy, nowMs: number): Finding[] {
  if (!r.ok) {
    return [{ status: 'CRITICAL', reason: `no answer (${r.failure.kind}): ${r.failure.message}` }];
  }
  const out: Finding[] = [];
  const certs = [r.leaf, ...r.chain];
  certs.forEach((c, i) => {
    const f = expiryFinding(c, i === 0, policy, nowMs);
    if (f !== undefined) out.push(f);
  });
  if (policy.expect !== undefined && r.leaf.sha256 !== policy.expect) {
    out.push({
      status: 'CRITICAL',
      reason: `serves ${short(r.leaf.sha256)}, expected ${short(policy.expect)}`,
    });
  }
  if (policy.old !== undefined && r.leaf.sha256 === policy.old) {
    out.push({
      status: 'CRITICAL',
      reason: `still serves the old certificate ${short(policy.old)}`,
    });
  }
  if (!r.trust.trusted)
    out.push({
      status: 'CRITICAL',
      reason: `untrusted chain: ${r.trust.reason ?? 'unknown reason'}`,
    });
  if (!r.name.matches) {
    out.push({
      status: r.target.sni !== null ? 'CRITICAL' : 'WARNING',
      reason: `name mismatch: ${r.name.reason ?? r.name.name}`,
    });
  }
  return out;
}

function poolFindings(o: EndpointObservation, pool: PoolVerdict): Finding[] {
  if (pool.state === 'consistent') return [];
  const e = o.endpoint;
  if (e.role === 'member' && pool.oddMembers.some((m) => m.label === e.member)) {
    const ref =
      pool.reference === null
        ? 'no reference (no majority, no --expect)'
        : `pool serves ${short(pool.reference)} (${pool.referenceFrom})`;
    return [{ status: 'CRITICAL', reason: `odd member of a mixed pool: ${ref}` }];
  }
  if (e.role === 'vip') return [{ status: 'CRITICAL', reason: `mixed pool: ${pool.summary}` }];
  return [];
}

export function classifyEndpoint(
  o: EndpointObservation,
  policy: StatusPolicy,
  nowMs: number,
): ClassifiedEndpoint {
  const findings = o.results.flatMap((r) => classifyResult(r, policy, nowMs));
  if (o.pool !== undefined) findings.push(...poolFindings(o, o.pool));
  // Several VIP samples often say the same thing: report each reason once, with its count.
  const counted = new Map<string, { status: Status; n: number }>();
  for (const f of findings) {
    const c = counted.get(f.reason);
    counted.set(f.reason, { status: f.status, n: (c?.n ?? 0) + 1 });
  }
  const reasons = [...counted].map(([reason, c]) => (c.n > 1 ? `${reason} (×${c.n})` : reason));
  return { ...o, status: worst(findings.map((f) => f.status)), reasons };
}
