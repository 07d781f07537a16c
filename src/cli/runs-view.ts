// Implementations of `runs`, `show` and `unlock` (see commands/runs.ts).
import { runRecord } from '../workflow/records.js';
import { planOf, type PlanDocument } from '../plan/document.js';
import {
  formatDuration,
  runStory,
  type OutcomeCounts,
  type RunStory,
} from '../report/run-story.js';
import { renderStory } from './run-story-view.js';
import {
  findRun,
  listLocks,
  listRunIds,
  locksDir,
  resolveStateDir,
  runPaths,
  unlock,
  inspectRun,
  journalDamageError,
  type JournalDamage,
  type JournalRecord,
} from '../journal/index.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { type CommandContext } from './io.js';
import { alignColumns, shortTime } from './text-table.js';
import { reportError } from './report-error.js';

/** How the run ended, and how a later `rollback RUN` of it ended, in one phrase. */
function outcome(story: RunStory): string {
  const base =
    story.verdict === 'incomplete'
      ? 'incomplete (resume it with `certroll resume RUN`)'
      : story.verdict;
  return story.laterRollback === undefined
    ? base
    : `${base}, then rollback RUN: ${story.laterRollback.status}`;
}

/** The plan a run folder holds, or undefined when it is not one (the story then has no bindings). */
function planIn(plan: unknown, file: string): PlanDocument | undefined {
  try {
    return planOf(plan, file);
  } catch {
    return undefined;
  }
}

function storyOf(record: ReturnType<typeof inspectRun>): RunStory {
  return runStory(record.paths.id, record.journal.records, planIn(record.plan, record.paths.plan));
}

interface RunRow {
  readonly id: string;
  readonly status: string;
  readonly records: number;
  readonly startedAt?: string;
  readonly durationMs?: number;
  readonly operator?: string;
  readonly ticket?: string;
  readonly counts?: OutcomeCounts;
}

function runRow(stateDir: string, id: string): RunRow {
  try {
    const record = inspectRun(runPaths(stateDir, id));
    const { damaged, records } = record.journal;
    const story = storyOf(record);
    return {
      id,
      status:
        damaged === undefined
          ? outcome(story)
          : `damaged journal at line ${damaged.line} (${damaged.reason}); see \`certroll show ${id}\``,
      records: records.length,
      ...(story.startedAt !== undefined ? { startedAt: story.startedAt } : {}),
      ...(story.durationMs !== undefined ? { durationMs: story.durationMs } : {}),
      ...(story.operator !== undefined ? { operator: story.operator } : {}),
      ...(story.ticket !== undefined ? { ticket: story.ticket } : {}),
      counts: story.counts,
    };
  } catch (error) {
    return { id, status: `unreadable: ${(error as Error).message}`, records: 0 };
  }
}

export function listRuns(ctx: CommandContext, stateDirOption: string | undefined): number {
  const stateDir = resolveStateDir(stateDirOption, ctx.io.env);
  const runs = listRunIds(stateDir).map((id) => runRow(stateDir, id));
  const locks = listLocks(locksDir(stateDir));
  if (ctx.global().json) {
    ctx.io.stdout(`${JSON.stringify({ stateDir, runs, locks }, null, 2)}\n`);
    return EXIT.OK;
  }
  if (runs.length === 0) ctx.io.stdout(`No runs in ${stateDir}.\n`);
  else ctx.io.stdout(runsTable(runs));
  for (const l of locks) {
    ctx.io.stdout(
      `lock ${l.id}: ${l.scope} held by run ${l.runId} (${l.owner}@${l.machine}, pid ${l.pid}, heartbeat ${l.heartbeatAt})\n`,
    );
  }
  return EXIT.OK;
}

const dash = (v: string | undefined) => (v === undefined || v === '' ? '-' : v);

function runsTable(runs: readonly RunRow[]): string {
  const head = [
    'RUN',
    'STARTED',
    'DURATION',
    'OPERATOR',
    'TICKET',
    'VERIFIED',
    'ROLLED BACK',
    'ATTENTION',
    'SKIPPED',
    'OUTCOME',
  ];
  const rows = runs.map((r) => [
    r.id,
    shortTime(r.startedAt),
    r.durationMs === undefined ? '-' : formatDuration(r.durationMs),
    dash(r.operator),
    dash(r.ticket),
    String(r.counts?.verified ?? '-'),
    String(r.counts?.rolledBack ?? '-'),
    String(r.counts?.needsAttention ?? '-'),
    String(r.counts?.skipped ?? '-'),
    r.status,
  ]);
  return alignColumns([head, ...rows]);
}

// The records a run keeps for its snapshots (src/workflow/persisted.ts) are long: the rollout's
// every host, a host's every captured binding. One line says what they are; --json has them whole.
function briefData(r: JournalRecord): Readonly<Record<string, unknown>> {
  const typed = runRecord(r);
  if (typed?.type === 'run-ref') {
    const envs = typed.data.ref.environments;
    return { environments: envs.length, hosts: envs.reduce((n, e) => n + e.hosts.length, 0) };
  }
  if (typed?.type === 'host-result') {
    const { env, host, output } = typed.data;
    return { env, host, status: output.status };
  }
  return r.data;
}

export function showRun(
  ctx: CommandContext,
  run: string,
  stateDirOption: string | undefined,
  raw = false,
): number {
  const stateDir = resolveStateDir(stateDirOption, ctx.io.env);
  const record = inspectRun(findRun(stateDir, run));
  const { damaged, ...journal } = record.journal;
  // A damaged journal still tells everything before the damage; the exit code says it is damaged.
  const error = damaged && journalDamageError(record.paths.journal, damaged);
  const exit = error === undefined ? EXIT.OK : exitCodeFor(error.code);
  const story = storyOf(record);
  if (ctx.global().json) {
    const base = {
      ok: error === undefined,
      id: record.paths.id,
      story,
      plan: record.plan,
      journal,
    };
    const broken = error && { exitCode: exit, damaged, error: error.toJSON() };
    ctx.io.stdout(`${JSON.stringify({ ...base, ...broken }, null, 2)}\n`);
    return exit;
  }
  if (raw) {
    ctx.io.stdout(`run ${record.paths.id}: ${outcome(story)}\n`);
    for (const r of journal.records) ctx.io.stdout(`${recordLine(r)}\n`);
  } else ctx.io.stdout(renderStory(story, journal.records, outcome(story)));
  if (journal.tornTail) ctx.io.stdout('(the last journal line was cut short by a crash)\n');
  if (damaged === undefined || error === undefined) return EXIT.OK;
  ctx.io.stdout(`${damageMarker(damaged)}\n`);
  return reportError(error, ctx.io, ctx.global());
}

function recordLine(r: JournalRecord): string {
  const where = ['env', 'host', 'binding', 'step']
    .map((k) => r.data[k])
    .filter((v) => typeof v === 'string');
  const rest = Object.entries(briefData(r))
    .filter(([k]) => !['env', 'host', 'binding', 'step'].includes(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return `${String(r.seq).padStart(4)} ${r.at} ${r.type} ${where.join(' ')} ${rest.join(' ')}`.trimEnd();
}

function damageMarker(d: JournalDamage): string {
  const detail = d.detail === undefined ? '' : ` (${d.detail})`;
  const after =
    d.linesAfter === 0 ? 'it is the last line' : `${d.linesAfter} later line(s) not shown`;
  return `---- journal damaged at line ${d.line}: ${d.reason}${detail}; ${after} ----`;
}

export function unlockById(
  ctx: CommandContext,
  id: string,
  stateDirOption: string | undefined,
): boolean {
  const lock = unlock(locksDir(resolveStateDir(stateDirOption, ctx.io.env)), id);
  if (ctx.global().json) {
    ctx.io.stdout(`${JSON.stringify({ ok: true, exitCode: 0, removed: lock }, null, 2)}\n`);
    return true;
  }
  ctx.io.stdout(
    `Removed lock ${lock.id} on ${lock.scope} (run ${lock.runId}, ${lock.owner}@${lock.machine}).\n`,
  );
  return true;
}
