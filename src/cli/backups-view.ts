// `certroll backups [RUN]`: what each run kept on its hosts for a later rollback, newest run
// first, one line per kept set, with its age and whether a purge or a rollback removed it. Read
// from the run folders only (src/rollout/run-backups.ts); no host is asked.
import { resolveStateDir } from '../journal/index.js';
import { formatAge, type HostBackup, type Kept, type RunBackups } from '../rollout/backups.js';
import { listBackups } from '../rollout/run-backups.js';
import { EXIT } from './exit-codes.js';
import { type CommandContext } from './io.js';

export async function showBackups(
  ctx: CommandContext,
  run: string | undefined,
  stateDirOption: string | undefined,
  now: Date = new Date(),
): Promise<number> {
  const stateDir = resolveStateDir(stateDirOption, ctx.io.env);
  const listing = await listBackups(stateDir, run);
  if (ctx.global().json) {
    const runs = listing.runs.map((r) => ({
      ...r,
      locked: listing.locked.has(r.run),
      hosts: r.hosts.map((h) => ({ ...h, ageMs: now.getTime() - Date.parse(h.takenAt) })),
    }));
    const doc = { ok: true, exitCode: EXIT.OK, stateDir, runs, unreadable: listing.unreadable };
    ctx.io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
    return EXIT.OK;
  }
  if (listing.runs.length === 0 && listing.unreadable.length === 0)
    ctx.io.stdout(`No runs in ${stateDir}.\n`);
  else ctx.io.stdout(backupsTable(listing.runs, listing.locked, now));
  for (const u of listing.unreadable) ctx.io.stdout(`run ${u.run}: unreadable: ${u.error}\n`);
  return EXIT.OK;
}

const HEAD = ['RUN', 'ENV', 'HOST', 'TAKEN', 'AGE', 'STATE', 'BINDING', 'KEPT'];

function backupsTable(runs: readonly RunBackups[], locked: ReadonlySet<string>, now: Date): string {
  const rows: string[][] = [];
  for (const r of runs) {
    if (r.hosts.length === 0) {
      rows.push([r.run, '-', '-', '-', '-', '-', '-', 'nothing: the run changed no host']);
      continue;
    }
    for (const h of r.hosts) {
      const state = stateText(h, r, locked.has(r.run));
      const bindings = h.bindings.length > 0 ? h.bindings : undefined;
      for (const b of bindings ?? [undefined]) {
        rows.push([
          r.run,
          h.env,
          h.host,
          shortTime(h.takenAt),
          formatAge(now.getTime() - Date.parse(h.takenAt)),
          state,
          b === undefined ? '-' : `${b.binding} ${b.kind}`,
          b === undefined
            ? 'nothing: no binding changed'
            : `${keptText(b.kept)}${b.shared !== undefined ? ` (also for ${b.shared.join(', ')})` : ''}`,
        ]);
      }
    }
  }
  return alignColumns([HEAD, ...rows]);
}

function stateText(h: HostBackup, r: RunBackups, locked: boolean): string {
  if (h.state === 'purged') return `purged ${shortTime(h.purgedAt)}`;
  if (h.state === 'rolled-back') return `purged by rollback ${shortTime(h.purgedAt)}`;
  if (!r.finished) return 'kept (run not finished)';
  return locked ? 'kept (run locked)' : 'kept';
}

/** What the binding keeps on its host, in words. */
export function keptText(k: Kept): string {
  if (k.type === 'files')
    return `${k.files === undefined ? 'copies of the previous files' : k.files.length === 0 ? 'no file (none existed before)' : k.files.join(', ')} in ${k.dir}`;
  if (k.type === 'store')
    return `the previous certificate${k.previous !== undefined ? ` (${k.previous.slice(0, 16)})` : ''} stays in ${k.store}; purge leaves it`;
  return 'nothing (this kind keeps no backup)';
}

const shortTime = (iso: string | undefined) =>
  iso === undefined ? '-' : iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');

function alignColumns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i] ?? 0) : c)).join('  '))
    .join('\n')
    .concat('\n');
}
