// What each run kept on its hosts for a later `certroll rollback RUN`, told from its journal and
// plan alone (no host is asked): the sh playbooks' copies of the previous files in the run's
// backup folder (src/playbooks/staging.ts `backupDir`), the Windows kinds' previous certificate
// left in the certificate store, and whether a `purge` or a `rollback RUN` (which purges) already
// removed them. Pure: the caller says what each binding kind keeps and where.
import { type JournalRecord } from '../journal/journal.js';
import { type PlanDocument, type PlannedBinding } from '../plan/document.js';
import { recordsOf } from '../workflow/records.js';
import { type EnvironmentOutput, type HostOutput } from '../workflow/types.js';

/** What a binding of one kind keeps on its host between the run and a purge. */
export type Kept =
  /** Copies of the previous files in `dir` (names as the capture calls them, when it is known). */
  | { readonly type: 'files'; readonly dir: string; readonly files?: readonly string[] }
  /**
   * The previous certificate (its served SHA-256) stays in this Windows certificate store;
   * `purgeRemoves`: the binding's `oldCertificate: remove-unused` has purge remove it (unused).
   */
  | {
      readonly type: 'store';
      readonly store: string;
      readonly previous?: string;
      readonly purgeRemoves?: boolean;
    }
  | { readonly type: 'nothing' };

export interface BindingBackup {
  readonly binding: string;
  readonly port: number;
  readonly kind: string;
  readonly kept: Kept;
  /** Bindings of the same unit (one set of files): their backups are this binding's. */
  readonly shared?: readonly string[];
}

/** kept: still on the host; purged: `certroll purge`; rolled-back: `rollback RUN` purged them. */
export type BackupState = 'kept' | 'purged' | 'rolled-back';

export interface HostBackup {
  readonly run: string;
  readonly env: string;
  readonly host: string;
  /** When the run staged on the host: the backups were taken then. */
  readonly takenAt: string;
  readonly state: BackupState;
  /** When a purge or a rollback removed them. */
  readonly purgedAt?: string;
  readonly bindings: readonly BindingBackup[];
}

export interface RunBackups {
  readonly run: string;
  /** The run ended (`run-finished`); an unfinished run is never purged. */
  readonly finished: boolean;
  readonly finishedAt?: string;
  readonly hosts: readonly HostBackup[];
}

/** What a binding keeps, by kind: the caller knows the playbooks and the hosts' state dirs. */
export type KeptOf = (
  where: { readonly env: string; readonly host: string; readonly run: string },
  binding: PlannedBinding,
  /** The capture the run kept for the binding (a verified binding's), when there is one. */
  captured: unknown,
) => Kept;

/** The backups one run took, host by host, in the order it staged them. */
export function runBackups(
  run: string,
  records: readonly JournalRecord[],
  plan: PlanDocument,
  keptOf: KeptOf,
  /** The finished run's environments as its snapshot keeps them (captures of the last hosts too). */
  final: readonly EnvironmentOutput[] = [],
): RunBackups {
  const finished = recordsOf(records, 'run-finished').at(-1);
  // A verified binding's capture: in its host-result record, or for the hosts that ended last
  // (no host-result) in the finished run's snapshot; run-finished's copies have none.
  const captures = new Map<string, HostOutput>(
    recordsOf(records, 'host-result').map((r) => [`${r.data.env}/${r.data.host}`, r.data.output]),
  );
  for (const e of final)
    for (const h of Object.values(e.hosts)) captures.set(`${e.env}/${h.host}`, h);
  const hosts: HostBackup[] = [];
  for (const [env, host, takenAt] of stagedHosts(records, plan)) {
    const planned = plan.environments
      .find((e) => e.name === env)
      ?.hosts.find((h) => h.name === host);
    const output = captures.get(`${env}/${host}`);
    // A unit's members share its leader's files: the stage step keeps them once, as the leader's.
    const members = new Map(
      (planned?.units ?? []).map((u) => [u.bindings[0] ?? '', u.bindings.slice(1)]),
    );
    const shared = new Set([...members.values()].flat());
    const bindings = (planned?.bindings ?? [])
      .filter((b) => b.action === 'replace' && !shared.has(b.id))
      .map((b): BindingBackup => {
        const others = members.get(b.id) ?? [];
        return {
          binding: b.id,
          port: b.port,
          kind: b.kind,
          kept: keptOf({ env, host, run }, b, output?.bindings[b.id]?.captured),
          ...(others.length > 0 ? { shared: others } : {}),
        };
      });
    hosts.push({ run, env, host, takenAt, ...removal(records, env, host), bindings });
  }
  return {
    run,
    finished: finished !== undefined,
    ...(finished && { finishedAt: finished.at }),
    hosts,
  };
}

/** `[env, host, at]` of each host the run staged on (its first `stage` step), in order. */
function stagedHosts(
  records: readonly JournalRecord[],
  plan: PlanDocument,
): [string, string, string][] {
  const seen = new Map<string, [string, string, string]>();
  for (const r of recordsOf(records, 'step-started')) {
    const { step, host } = r.data;
    if (step !== 'stage' || host === undefined) continue;
    const env =
      r.data.env ?? plan.environments.find((e) => e.hosts.some((h) => h.name === host))?.name;
    if (env === undefined || seen.has(`${env}/${host}`)) continue;
    seen.set(`${env}/${host}`, [env, host, r.at]);
  }
  return [...seen.values()];
}

/** Whether a purge, or a rollback that restored the host (and purged), removed its backups. */
function removal(
  records: readonly JournalRecord[],
  env: string,
  host: string,
): { state: BackupState; purgedAt?: string } {
  const purged = recordsOf(records, 'host-purged').find((r) => r.data.host === host);
  const rolled = recordsOf(records, 'host-rolled-back').find(
    (r) => r.data.env === env && r.data.host === host && r.data.status === 'rolled-back',
  );
  const first = [purged, rolled].filter((r) => r !== undefined).sort((a, b) => a.seq - b.seq)[0];
  if (first === undefined) return { state: 'kept' };
  return { state: first.type === 'host-purged' ? 'purged' : 'rolled-back', purgedAt: first.at };
}

/** The names of the files a capture saw existing (`{ type: 'files', files: { cert: {...} } }`). */
export function capturedFiles(captured: unknown): string[] | undefined {
  const state = (captured as { captured?: { type?: unknown; files?: unknown } } | undefined)
    ?.captured;
  if (state?.type !== 'files' || typeof state.files !== 'object' || state.files === null)
    return undefined;
  return Object.entries(state.files as Record<string, { exists?: unknown }>)
    .filter(([, f]) => f.exists === true)
    .map(([name]) => name);
}

/** `3d 4h`, `5h 12m`, `40s`: how old a backup is. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const [d, h, m] = [Math.floor(s / 86_400), Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60];
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  return m > 0 ? `${m}m ${s % 60}s` : `${s}s`;
}
