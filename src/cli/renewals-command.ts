// `certroll renewals -i INV`: a scan (and with --configured, what the hosts load), grouped by
// certificate into renewal dates: a table, JSON or an iCalendar feed. Exit code as the scan's
// (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN: it could not run).
import { resolve } from 'node:path';
import { CertrollError } from '../errors.js';
import { writeFileAtomic } from '../journal/atomic.js';
import { scanInventory } from '../probe/scan.js';
import { checkScanValues, type ScanCliValues } from '../probe/scan-options.js';
import {
  DEFAULT_RENEWAL_POLICY,
  parseRenewalPolicy,
  planRenewals,
  renderRenewalsTable,
  type RenewalPlan,
} from '../report/renewals.js';
import { exitCodeForStatus } from '../report/status.js';
import { type CommandContext } from './io.js';
import { reportError } from './report-error.js';

export interface RenewalsCliValues {
  readonly inventory?: string;
  readonly env?: readonly string[];
  readonly host?: readonly string[];
  readonly trust?: readonly string[];
  readonly configured?: boolean;
  readonly renewAt?: string;
  readonly format?: string;
  readonly output?: string;
  readonly warnDays?: string;
  readonly critDays?: string;
}

const EXIT_UNKNOWN = 3;

async function scanPlan(o: RenewalsCliValues, ctx: CommandContext): Promise<RenewalPlan> {
  const policy = o.renewAt !== undefined ? parseRenewalPolicy(o.renewAt) : DEFAULT_RENEWAL_POLICY;
  const values: ScanCliValues = {
    ...(o.inventory !== undefined ? { inventory: o.inventory } : {}),
    ...(o.warnDays !== undefined ? { warnDays: o.warnDays } : {}),
    ...(o.critDays !== undefined ? { critDays: o.critDays } : {}),
  };
  const v = checkScanValues(values, false);
  const inv = await import('../inventory/index.js');
  // --env and --host narrow the inventory as on every command.
  const inventory = inv.selectInventory(inv.loadInventory(v.inventory ?? '', { cwd: ctx.io.cwd }), {
    envs: o.env ?? [],
    hosts: o.host ?? [],
  });
  let trust: string[] | undefined;
  if (o.trust !== undefined && o.trust.length > 0) {
    const { loadCertificates } = await import('../cert/index.js');
    trust = o.trust.flatMap((t) =>
      loadCertificates(resolve(ctx.io.cwd, t), 'trust file').map((c) => c.toString()),
    );
  }
  const { scanAdapters } = await import('./compose.js');
  let report = await scanInventory(inventory, {
    ...v,
    ...scanAdapters(),
    ...(trust !== undefined ? { trust } : {}),
  });
  if (o.configured === true) {
    const { withConfiguredReport } = await import('./scan-configured.js');
    const configured = { ...(trust !== undefined ? { trust } : {}), critDays: v.critDays };
    report = await withConfiguredReport(inventory, report, configured, ctx.io.env);
  }
  return planRenewals(report, policy, new Date());
}

async function render(plan: RenewalPlan, format: string): Promise<string> {
  if (format === 'json') return `${JSON.stringify(plan, null, 2)}\n`;
  if (format === 'ics' || format === 'ical') {
    const { renderRenewalsIcal } = await import('../report/renewals-ical.js');
    return renderRenewalsIcal(plan);
  }
  return renderRenewalsTable(plan);
}

export async function runRenewals(o: RenewalsCliValues, ctx: CommandContext): Promise<number> {
  const format =
    o.format ??
    (ctx.global().json ? 'json' : o.output?.endsWith('.ics') === true ? 'ics' : 'table');
  try {
    if (!['table', 'json', 'ics', 'ical'].includes(format))
      throw new CertrollError('USAGE', `--format ${format} is not a renewals format.`, {
        field: '--format',
        hint: 'Use table, json or ics (an iCalendar feed, one event per certificate).',
      });
    const plan = await scanPlan(o, ctx);
    const text = await render(plan, format);
    if (o.output !== undefined) writeFileAtomic(resolve(ctx.io.cwd, o.output), text, 0o644);
    else ctx.io.stdout(text);
    if (o.output !== undefined && format !== 'json')
      ctx.io.stderr(`wrote ${o.output}: ${plan.certificates.length} certificate(s)\n`);
    return exitCodeForStatus(plan.overall);
  } catch (error) {
    // Like the scan: a check that could not run is UNKNOWN.
    reportError(error, ctx.io, ctx.global());
    return EXIT_UNKNOWN;
  }
}
