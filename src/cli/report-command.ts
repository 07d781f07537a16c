// `certroll report PLAN|RUN`: reads a plan file or a run folder, builds the report's model
// (src/report/change-report.ts), draws the run's timeline, renders Markdown or HTML and writes
// it to a file or stdout.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { CertrollError } from '../errors.js';
import { findRun, readRun, resolveStateDir, runPaths, writeFileAtomic } from '../journal/index.js';
import { parsePlan, planOf, type PlanDocument } from '../plan/document.js';
import { planView, runView } from '../report/change-report.js';
import { type ReportFormat, renderPlanReport, renderRunReport } from '../report/render-report.js';
import { runStory } from '../report/run-story.js';
import { timelineSvg } from '../report/timeline-chart.js';
import { EXIT } from './exit-codes.js';
import { type CommandContext } from './io.js';

type Options = Record<string, unknown>;
const str = (o: Options, k: string): string | undefined =>
  typeof o[k] === 'string' ? o[k] : undefined;

function formatOf(o: Options): ReportFormat {
  const given =
    str(o, 'format') ??
    extname(str(o, 'output') ?? '')
      .slice(1)
      .toLowerCase();
  if (given === '' || given === 'md' || given === 'markdown') return 'md';
  if (given === 'html' || given === 'htm') return 'html';
  throw new CertrollError('USAGE', `--format ${given} is not a report format.`, {
    field: '--format',
    hint: 'Use --format md (Markdown, pastes into a ticket) or --format html (one self-contained page).',
  });
}

function version(): string {
  const raw = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(raw) as { version: string }).version;
}

/** A plan file, a run folder, or a run id in the state folder. */
function resolveTarget(
  target: string,
  o: Options,
  ctx: CommandContext,
): { kind: 'plan'; plan: PlanDocument } | { kind: 'run'; id: string; dir: string } {
  if (existsSync(target) && statSync(target).isFile())
    return { kind: 'plan', plan: parsePlan(readFileSync(target, 'utf8'), target) };
  if (existsSync(join(target, 'journal.jsonl'))) {
    const dir = target.replace(/\/+$/, '');
    return { kind: 'run', id: basename(dir), dir: dirname(dirname(dir)) };
  }
  const stateDir = resolveStateDir(str(o, 'stateDir'), ctx.io.env);
  return { kind: 'run', id: findRun(stateDir, target).id, dir: stateDir };
}

async function render(target: ReturnType<typeof resolveTarget>, format: ReportFormat, o: Options) {
  const meta = {
    version: version(),
    generatedAt: new Date().toISOString(),
    commands: o['commands'] !== false,
  };
  if (target.kind === 'plan') return renderPlanReport(planView(target.plan), format, meta);
  const record = readRun(runPaths(target.dir, target.id));
  const plan = planOf(record.plan, record.paths.plan);
  const story = runStory(record.paths.id, record.journal.records, plan);
  const chart = format === 'html' ? await timelineSvg(story.timeline) : '';
  return renderRunReport(runView(story, plan), chart, format, meta);
}

export async function runReport(target: string, o: Options, ctx: CommandContext): Promise<number> {
  const format = formatOf(o);
  const text = await render(resolveTarget(target, o, ctx), format, o);
  const out = str(o, 'output');
  if (out === undefined) {
    ctx.io.stdout(text);
    return EXIT.OK;
  }
  writeFileAtomic(out, text);
  if (ctx.global().json)
    ctx.io.stdout(
      `${JSON.stringify({ ok: true, file: out, format, bytes: Buffer.byteLength(text) })}\n`,
    );
  else ctx.io.stderr(`wrote ${out} (${format})\n`);
  return EXIT.OK;
}
