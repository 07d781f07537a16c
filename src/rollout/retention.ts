// The retention policy of `certroll purge --older-than D --keep N`: which runs' backups go from
// which host. A backup stays when any rule keeps it: younger than D, or one of the N newest
// finished runs that still keep backups on that host. A run that has not finished, or that holds
// a lock (a rollback or resume under way), is never chosen. Pure: runs, dates and N in, a choice out.
import { CertrollError } from '../errors.js';
import { type HostBackup, type RunBackups } from './backups.js';

export interface RetentionPolicy {
  /** Purge backups older than this (`--older-than`). */
  readonly olderThanMs?: number;
  /** Keep the backups of the newest N finished runs per host (`--keep`). */
  readonly keep?: number;
}

export interface RetentionScope {
  /** Runs holding a lock (`certroll runs` lists them). */
  readonly locked: ReadonlySet<string>;
  /** Only this run's backups are chosen from (the newest-N ranking still counts every run). */
  readonly run?: string;
  readonly envs?: readonly string[];
  readonly hosts?: readonly string[];
}

export interface RetentionItem {
  readonly backup: HostBackup;
  /** Why it goes or stays, in words: `older than 30d (41d 2h)`, `newest 2 on web-01`. */
  readonly reason: string;
}

export interface RetentionChoice {
  readonly purge: readonly RetentionItem[];
  readonly keep: readonly RetentionItem[];
}

/** Only the files of the sh playbooks are removed by a purge; the rest has nothing to choose. */
const purgeable = (h: HostBackup): boolean =>
  h.state === 'kept' && h.bindings.some((b) => b.kept.type === 'files');

export function chooseRetention(
  runs: readonly RunBackups[],
  policy: RetentionPolicy,
  now: Date,
  scope: RetentionScope,
): RetentionChoice {
  if (policy.olderThanMs === undefined && policy.keep === undefined)
    throw new CertrollError('USAGE', 'A retention policy needs --older-than or --keep.', {
      hint: 'For example `certroll purge --older-than 30d --keep 2`.',
    });
  const finished = new Set(runs.filter((r) => r.finished).map((r) => r.run));
  const all = runs.flatMap((r) => r.hosts).filter(purgeable);
  const rank = newestFirstPerHost(all.filter((h) => finished.has(h.run)));
  const purge: RetentionItem[] = [];
  const keep: RetentionItem[] = [];
  for (const backup of all.filter((h) => inScope(h, scope))) {
    const why = keptBecause(backup, policy, now, {
      finished: finished.has(backup.run),
      locked: scope.locked.has(backup.run),
      rank: rank.get(backup) ?? 0,
    });
    if (why.keep) keep.push({ backup, reason: why.reason });
    else purge.push({ backup, reason: why.reason });
  }
  return { purge, keep };
}

function inScope(h: HostBackup, s: RetentionScope): boolean {
  return (
    (s.run === undefined || h.run === s.run) &&
    (s.envs === undefined || s.envs.length === 0 || s.envs.includes(h.env)) &&
    (s.hosts === undefined || s.hosts.length === 0 || s.hosts.includes(h.host))
  );
}

/** Each backup's place among the host's backups, 0 for the newest (by when it was taken). */
function newestFirstPerHost(backups: readonly HostBackup[]): Map<HostBackup, number> {
  const byHost = new Map<string, HostBackup[]>();
  for (const b of backups) byHost.set(b.host, [...(byHost.get(b.host) ?? []), b]);
  const rank = new Map<HostBackup, number>();
  for (const list of byHost.values())
    [...list]
      .sort((a, b) => Date.parse(b.takenAt) - Date.parse(a.takenAt) || (a.run < b.run ? 1 : -1))
      .forEach((b, i) => rank.set(b, i));
  return rank;
}

function keptBecause(
  b: HostBackup,
  policy: RetentionPolicy,
  now: Date,
  facts: { finished: boolean; locked: boolean; rank: number },
): { keep: boolean; reason: string } {
  if (!facts.finished) return { keep: true, reason: 'the run has not finished' };
  if (facts.locked)
    return { keep: true, reason: 'the run holds a lock (a rollback or resume under way)' };
  const age = now.getTime() - Date.parse(b.takenAt);
  const { olderThanMs, keep } = policy;
  if (keep !== undefined && facts.rank < keep)
    return { keep: true, reason: `one of the newest ${keep} on ${b.host}` };
  if (olderThanMs !== undefined && age <= olderThanMs)
    return { keep: true, reason: `younger than ${days(olderThanMs)}` };
  const reasons = [
    ...(olderThanMs !== undefined ? [`older than ${days(olderThanMs)}`] : []),
    ...(keep !== undefined ? [`not one of the newest ${keep} on ${b.host}`] : []),
  ];
  return { keep: false, reason: reasons.join(', ') };
}

/** `30d`, `12h`, `90m` as given back to the reader. */
function days(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}
