// Planned renewals from a scan: every certificate really served, where (environment, host,
// binding, address:port, SNI; what the hosts are configured with, when the scan read it), when
// it expires, and the date to renew it by policy: at a fraction of its lifetime (two thirds by
// default, as ACME clients do) or N days before expiry. Pure: a scan report in, a plan out.
import { CertrollError } from '../errors.js';
import { type ScanReport, type Status } from '../probe/scan-types.js';

/** `2/3` (of the lifetime), `0.66`, or `30d` (days before expiry). */
export type RenewalPolicy =
  | { readonly kind: 'fraction'; readonly fraction: number }
  | { readonly kind: 'days-before'; readonly days: number };

export const DEFAULT_RENEWAL_POLICY: RenewalPolicy = { kind: 'fraction', fraction: 2 / 3 };

export function parseRenewalPolicy(text: string): RenewalPolicy {
  const days = /^(\d{1,4})d$/.exec(text);
  if (days !== null) return { kind: 'days-before', days: Number(days[1]) };
  const ratio = /^(\d+)\/(\d+)$/.exec(text);
  const fraction = ratio !== null ? Number(ratio[1]) / Number(ratio[2]) : Number(text);
  if (/^(\d+\/\d+|0?\.\d+)$/.test(text) && fraction > 0 && fraction < 1)
    return { kind: 'fraction', fraction };
  throw new CertrollError('USAGE', `--renew-at ${text} is not a renewal policy.`, {
    field: '--renew-at',
    hint: 'Use a fraction of the lifetime (2/3, 0.75) or days before expiry (30d).',
  });
}

export function describePolicy(p: RenewalPolicy): string {
  return p.kind === 'days-before'
    ? `${p.days} days before expiry`
    : `${Math.round(p.fraction * 100)}% of the lifetime`;
}

export interface RenewalEndpoint {
  readonly env: string;
  readonly host: string;
  readonly binding: string;
  readonly address: string;
  readonly port: number;
  readonly sni: string | null;
  readonly member: string | null;
  readonly status: Status;
  /** Why the scan gave it its status (empty for OK), `--configured` findings included. */
  readonly reasons: readonly string[];
}

export interface RenewalEntry {
  readonly sha256: string;
  readonly subject: string;
  readonly issuer: string;
  readonly sans: readonly string[];
  readonly notBefore: string;
  readonly notAfter: string;
  readonly renewOn: string;
  /** Days from now to the renewal date (negative: overdue). */
  readonly daysToRenew: number;
  readonly daysLeft: number;
  readonly endpoints: readonly RenewalEndpoint[];
}

export interface RenewalPlan {
  readonly generatedAt: string;
  readonly policy: string;
  readonly certificates: readonly RenewalEntry[];
  /** Endpoints that served nothing (no handshake): nothing to plan, but to know. */
  readonly unanswered: readonly RenewalEndpoint[];
  readonly overall: Status;
}

const DAY = 86_400_000;

export function renewalDate(notBefore: number, notAfter: number, p: RenewalPolicy): number {
  return p.kind === 'days-before'
    ? notAfter - p.days * DAY
    : notBefore + Math.round((notAfter - notBefore) * p.fraction);
}

export function planRenewals(report: ScanReport, p: RenewalPolicy, now: Date): RenewalPlan {
  const byCert = new Map<
    string,
    { entry: Omit<RenewalEntry, 'endpoints'>; endpoints: RenewalEndpoint[] }
  >();
  const unanswered: RenewalEndpoint[] = [];
  for (const e of report.endpoints) {
    const ep = e.endpoint;
    const where: RenewalEndpoint = {
      env: ep.env,
      host: ep.host,
      binding: ep.binding,
      address: ep.address,
      port: ep.port,
      sni: ep.sni,
      member: ep.member,
      status: e.status,
      reasons: e.reasons,
    };
    const leaves = e.results.flatMap((r) => (r.ok ? [r.leaf] : []));
    if (leaves.length === 0) unanswered.push(where);
    for (const leaf of new Map(leaves.map((l) => [l.sha256, l])).values()) {
      let group = byCert.get(leaf.sha256);
      if (group === undefined) {
        const renew = renewalDate(Date.parse(leaf.notBefore), leaf.notAfterMs, p);
        group = {
          entry: {
            sha256: leaf.sha256,
            subject: leaf.subject,
            issuer: leaf.issuer,
            sans: leaf.sans,
            notBefore: new Date(Date.parse(leaf.notBefore)).toISOString(),
            notAfter: new Date(leaf.notAfterMs).toISOString(),
            renewOn: new Date(renew).toISOString(),
            daysToRenew: Math.floor((renew - now.getTime()) / DAY),
            daysLeft: Math.floor((leaf.notAfterMs - now.getTime()) / DAY),
          },
          endpoints: [],
        };
        byCert.set(leaf.sha256, group);
      }
      group.endpoints.push(where);
    }
  }
  const certificates = [...byCert.values()]
    .map((g) => ({ ...g.entry, endpoints: g.endpoints }))
    .sort((a, b) => a.renewOn.localeCompare(b.renewOn));
  return {
    generatedAt: now.toISOString(),
    policy: describePolicy(p),
    certificates,
    unanswered,
    overall: report.overall,
  };
}

export const endpointName = (e: RenewalEndpoint): string =>
  `${e.env}/${e.host} ${e.address}:${e.port}${e.sni !== null ? ` (${e.sni})` : ''}${e.member !== null ? ` [${e.member}]` : ''}`;

/** The table: one block per certificate, soonest renewal first. */
export function renderRenewalsTable(plan: RenewalPlan): string {
  const lines = [`Renewal dates at ${plan.policy}; soonest first.`];
  for (const c of plan.certificates) {
    const due =
      c.daysToRenew < 0 ? `OVERDUE by ${-c.daysToRenew} day(s)` : `in ${c.daysToRenew} day(s)`;
    lines.push(
      '',
      `${c.sha256.slice(0, 16)}  ${c.subject.replace(/\n/g, ', ')}`,
      `  renew on   ${c.renewOn.slice(0, 10)} (${due})`,
      `  expires    ${c.notAfter.slice(0, 10)} (${c.daysLeft} day(s) left); issued ${c.notBefore.slice(0, 10)} by ${c.issuer.replace(/\n/g, ', ')}`,
      `  names      ${c.sans.join(', ') || '(none)'}`,
      `  served at  ${c.endpoints.length} endpoint(s):`,
      ...c.endpoints.flatMap((e) => [
        `    ${e.status.padEnd(8)} ${endpointName(e)}`,
        ...e.reasons.map((r) => `             ${r}`),
      ]),
    );
  }
  if (plan.unanswered.length > 0)
    lines.push(
      '',
      'No certificate seen (no handshake):',
      ...plan.unanswered.map((e) => `  ${e.status.padEnd(8)} ${endpointName(e)}`),
    );
  return `${lines.join('\n')}\n`;
}
