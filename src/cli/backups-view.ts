// `certroll backups [RUN]`: what each run kept on its hosts for a later rollback, newest run
// first, one line per kept set, with its age and whether a purge or a rollback removed it. Read
// from the run folders only (src/rollout/run-backups.ts); no host is asked unless `--check`.
import { resolveStateDir } from '../journal/index.js';
import {
  formatAge,
  type BindingBackup,
  type HostBackup,
  type Kept,
  type RunBackups,
} from '../rollout/backups.js';
import { checkBackups, dirFound, type FoundDirs } from '../rollout/check-backups.js';
import { listBackups } from '../rollout/run-backups.js';
import { withAdapters } from './compose.js';
import { EXIT } from './exit-codes.js';
import { type CommandContext } from './io.js';
import { alignColumns, shortTime } from './text-table.js';

export async function showBackups(
  ctx: CommandContext,
  run: string | undefined,
  o: { readonly stateDir?: string; readonly check?: boolean },
  now: Date = new Date(),
): Promise<number> {
  const stateDir = resolveStateDir(o.stateDir, ctx.io.env);
  const listing = await listBackups(stateDir, run);
  const found =
    o.check === true
      ? await withAdapters(ctx.io.env, (adapters) => checkBackups(listing, adapters))
      : undefined;
  const problems = found === undefined ? [] : disagreements(listing.runs, found);
  const exitCode = problems.length === 0 ? EXIT.OK : EXIT.FAILED;
  if (ctx.global().json) {
    const runs = listing.runs.map((r) => ({
      ...r,
      locked: listing.locked.has(r.run),
      hosts: r.hosts.map((h) => ({
        ...h,
        ageMs: now.getTime() - Date.parse(h.takenAt),
        ...(found !== undefined ? { bindings: h.bindings.map((b) => withFound(b, h, found)) } : {}),
      })),
    }));
    const doc = {
      ok: exitCode === EXIT.OK,
      exitCode,
      stateDir,
      runs,
      unreadable: listing.unreadable,
      ...(found !== undefined ? { problems } : {}),
    };
    ctx.io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
    return exitCode;
  }
  if (listing.runs.length === 0 && listing.unreadable.length === 0)
    ctx.io.stdout(`No runs in ${stateDir}.\n`);
  else ctx.io.stdout(backupsTable(listing.runs, listing.locked, now, found));
  for (const u of listing.unreadable) ctx.io.stdout(`run ${u.run}: unreadable: ${u.error}\n`);
  for (const p of problems) ctx.io.stderr(`certroll: ${p}\n`);
  return exitCode;
}

const withFound = (b: BindingBackup, h: HostBackup, found: FoundDirs) =>
  b.kept.type === 'files' ? { ...b, found: dirFound(found, h.host, b.kept.dir) ?? null } : b;

/** Where a host holds something else than the journal says: kept but gone, purged but there. */
function disagreements(runs: readonly RunBackups[], found: FoundDirs): string[] {
  const out: string[] = [];
  for (const r of runs)
    for (const h of r.hosts)
      for (const b of h.bindings) {
        if (b.kept.type !== 'files') continue;
        const f = dirFound(found, h.host, b.kept.dir);
        const where = `${r.run} ${h.host} ${b.binding}`;
        if (f === undefined || 'error' in f) out.push(`${where}: not checked: ${f?.error ?? '?'}`);
        else if (h.state === 'kept' && !f.exists)
          out.push(`${where}: the journal says kept, but ${b.kept.dir} is not on the host`);
        else if (h.state !== 'kept' && f.exists)
          out.push(`${where}: the journal says purged, but ${b.kept.dir} is still on the host`);
      }
  return out;
}

/** What `--check` found in the binding's backup folder, appended to what it keeps. */
function foundText(b: BindingBackup, h: HostBackup, found: FoundDirs | undefined): string {
  if (found === undefined) return '';
  if (b.kept.type !== 'files') return '; on the host: not checked';
  const f = dirFound(found, h.host, b.kept.dir);
  if (f === undefined || 'error' in f) return `; on the host: not checked (${f?.error ?? '?'})`;
  if (!f.exists) return '; on the host: no such folder';
  return `; on the host: ${f.files.length > 0 ? f.files.join(', ') : 'an empty folder'}`;
}

const HEAD = ['RUN', 'ENV', 'HOST', 'TAKEN', 'AGE', 'STATE', 'BINDING', 'KEPT'];

function backupsTable(
  runs: readonly RunBackups[],
  locked: ReadonlySet<string>,
  now: Date,
  found: FoundDirs | undefined,
): string {
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
            : `${keptText(b.kept)}${b.shared !== undefined ? ` (also for ${b.shared.join(', ')})` : ''}${foundText(b, h, found)}`,
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
    return `the previous certificate${k.previous !== undefined ? ` (${k.previous.slice(0, 16)})` : ''} stays in ${k.store}; ${k.purgeRemoves === true ? 'purge removes it once nothing uses it' : 'purge leaves it (oldCertificate: keep)'}`;
  return 'nothing (this kind keeps no backup)';
}
