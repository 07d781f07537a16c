// Implementations of `runs`, `show` and `unlock` (see commands/runs.ts).
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
import { reportError } from './report-error.js';

function outcome(records: readonly JournalRecord[]): string {
  const finished = records.findLast((r) => r.type === 'run-finished');
  if (finished !== undefined) {
    const status = finished.data['status'];
    return typeof status === 'string' ? status : 'finished';
  }
  return records.length > 0 ? 'incomplete (resume it with `certroll resume RUN`)' : 'empty';
}

export function listRuns(ctx: CommandContext, stateDirOption: string | undefined): number {
  const stateDir = resolveStateDir(stateDirOption, ctx.io.env);
  const runs = listRunIds(stateDir).map((id) => {
    try {
      const { journal } = inspectRun(runPaths(stateDir, id));
      const { damaged } = journal;
      return {
        id,
        status:
          damaged === undefined
            ? outcome(journal.records)
            : `damaged journal at line ${damaged.line} (${damaged.reason}); see \`certroll show ${id}\``,
        records: journal.records.length,
        startedAt: journal.records[0]?.at,
      };
    } catch (error) {
      return {
        id,
        status: `unreadable: ${(error as Error).message}`,
        records: 0,
        startedAt: undefined,
      };
    }
  });
  const locks = listLocks(locksDir(stateDir));
  if (ctx.global().json) {
    ctx.io.stdout(`${JSON.stringify({ stateDir, runs, locks }, null, 2)}\n`);
    return EXIT.OK;
  }
  if (runs.length === 0) ctx.io.stdout(`No runs in ${stateDir}.\n`);
  for (const r of runs) ctx.io.stdout(`${r.id}  ${r.status}  (${r.records} journal records)\n`);
  for (const l of locks) {
    ctx.io.stdout(
      `lock ${l.id}: ${l.scope} held by run ${l.runId} (${l.owner}@${l.machine}, pid ${l.pid}, heartbeat ${l.heartbeatAt})\n`,
    );
  }
  return EXIT.OK;
}

// The records a run keeps for its snapshots (src/workflow/persisted.ts) are long: the rollout's
// every host, a host's every captured binding. One line says what they are; --json has them whole.
function briefData(type: string, data: Record<string, unknown>): Record<string, unknown> {
  if (type === 'run-ref') {
    const ref = data['ref'] as { environments?: { hosts?: unknown[] }[] } | undefined;
    const envs = ref?.environments ?? [];
    return {
      environments: envs.length,
      hosts: envs.reduce((n, e) => n + (e.hosts?.length ?? 0), 0),
    };
  }
  if (type === 'host-result') {
    const output = data['output'] as { status?: unknown } | undefined;
    return { env: data['env'], host: data['host'], status: output?.status };
  }
  return data;
}

export function showRun(
  ctx: CommandContext,
  run: string,
  stateDirOption: string | undefined,
): number {
  const stateDir = resolveStateDir(stateDirOption, ctx.io.env);
  const record = inspectRun(findRun(stateDir, run));
  const { damaged, ...journal } = record.journal;
  // A damaged journal still tells everything before the damage; the exit code says it is damaged.
  const error = damaged && journalDamageError(record.paths.journal, damaged);
  const exit = error === undefined ? EXIT.OK : exitCodeFor(error.code);
  if (ctx.global().json) {
    const base = { ok: error === undefined, id: record.paths.id, plan: record.plan, journal };
    const broken = error && { exitCode: exit, damaged, error: error.toJSON() };
    ctx.io.stdout(`${JSON.stringify({ ...base, ...broken }, null, 2)}\n`);
    return exit;
  }
  ctx.io.stdout(`run ${record.paths.id}: ${outcome(journal.records)}\n`);
  for (const r of journal.records) ctx.io.stdout(`${recordLine(r)}\n`);
  if (journal.tornTail) ctx.io.stdout('(the last journal line was cut short by a crash)\n');
  if (damaged === undefined || error === undefined) return EXIT.OK;
  ctx.io.stdout(`${damageMarker(damaged)}\n`);
  return reportError(error, ctx.io, ctx.global());
}

function recordLine(r: JournalRecord): string {
  const where = ['env', 'host', 'binding', 'step']
    .map((k) => r.data[k])
    .filter((v) => typeof v === 'string');
  const rest = Object.entries(briefData(r.type, r.data))
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
  ctx.io.stdout(
    `Removed lock ${lock.id} on ${lock.scope} (run ${lock.runId}, ${lock.owner}@${lock.machine}).\n`,
  );
  return true;
}
