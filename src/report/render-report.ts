// Renders a change report from its model (src/report/change-report.ts) with eta templates
// (src/report/report-templates.ts): Markdown escaped for table cells, HTML escaped as HTML.
import { Eta } from 'eta';
import { type PlanView, type RunView } from './change-report.js';
import { HTML_PLAN, HTML_RUN, MD_PLAN, MD_RUN, PARTIALS } from './report-templates.js';

export type ReportFormat = 'md' | 'html';

/** A Markdown table cell: pipes escaped, line breaks as <br>, angle brackets neutralised. */
export function mdCell(value: unknown): string {
  return String(value)
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r?\n/g, '<br>');
}

function engine(format: ReportFormat): Eta {
  const eta = new Eta({
    autoEscape: true,
    autoTrim: false,
    cache: true,
    ...(format === 'md' ? { escapeFunction: mdCell } : {}),
  });
  for (const [name, text] of Object.entries(PARTIALS)) eta.loadTemplate(name, text);
  return eta;
}

export interface ReportMeta {
  readonly version: string;
  readonly generatedAt: string;
  /** Include every command of the plan (default true: a change board wants them). */
  readonly commands: boolean;
}

/** Blank lines the template's control lines leave: at most one in a row. */
const tidy = (text: string) => `${text.replace(/\n{3,}/g, '\n\n').trim()}\n`;

export function renderPlanReport(plan: PlanView, format: ReportFormat, meta: ReportMeta): string {
  const title = `Change plan${plan.ticket !== '(none)' ? ` ${plan.ticket}` : ''}`;
  const out = engine(format).renderString(format === 'md' ? MD_PLAN : HTML_PLAN, {
    ...meta,
    title,
    plan,
  });
  return format === 'md' ? tidy(out) : out;
}

export function renderRunReport(
  run: RunView,
  chartSvg: string,
  format: ReportFormat,
  meta: ReportMeta,
): string {
  const title = `Change record ${run.id}${run.ticket !== '(none)' ? ` (${run.ticket})` : ''}`;
  const out = engine(format).renderString(format === 'md' ? MD_RUN : HTML_RUN, {
    ...meta,
    title,
    run,
    chart: chartSvg,
  });
  return format === 'md' ? tidy(out) : out;
}
