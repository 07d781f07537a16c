// `certroll backups` and `certroll purge --older-than/--keep`: what every run kept on its hosts,
// read from the run folders alone (journal, plan, and the inventory and playbooks the plan names,
// for the hosts' state dirs and what each kind keeps); then the retention policy's choice, purged
// run by run with `purgeFinished`. Nothing connects to a host until a purge runs.
import { existsSync, readFileSync } from 'node:fs';
import { CertrollError } from '../errors.js';
import { type EnvironmentOutput } from '../workflow/types.js';
import { findRun, listLocks, listRunIds, locksDir, readRun, runPaths } from '../journal/index.js';
import { type Inventory } from '../inventory/model.js';
import { planOf, type PlanDocument } from '../plan/document.js';
import { type PlaybookRegistry } from '../playbooks/index.js';
import { DEFAULT_STATE_DIR, stagingPaths } from '../playbooks/staging.js';
import { capturedFiles, runBackups, type KeptOf, type RunBackups } from './backups.js';
import {
  finishedResults,
  loadFinishedRun,
  purgeFinished,
  type PurgeResult,
} from './finished-run.js';
import { type RolloutAdapters } from './ports.js';
import { chooseRetention, type RetentionChoice, type RetentionPolicy } from './retention.js';

export interface BackupsListing {
  /** Newest run first. */
  readonly runs: readonly RunBackups[];
  /** Runs that hold an environment lock. */
  readonly locked: ReadonlySet<string>;
  /** Run folders that could not be read (a damaged journal, a plan of another version). */
  readonly unreadable: readonly { readonly run: string; readonly error: string }[];
  /** The inventory a run's plan names, as it is now (undefined: it cannot be read). */
  readonly inventoryOf: (run: string) => Inventory | undefined;
}

/** Every run's backups (or one run's, by id or prefix), newest first. */
export async function listBackups(stateDir: string, run?: string): Promise<BackupsListing> {
  const ids = run !== undefined ? [findRun(stateDir, run).id] : listRunIds(stateDir).reverse();
  const locked = new Set(listLocks(locksDir(stateDir)).map((l) => l.runId));
  const runs: RunBackups[] = [];
  const unreadable: { run: string; error: string }[] = [];
  const resolvers = new Map<string, Promise<Resolved>>();
  const inventories = new Map<string, Inventory | undefined>();
  for (const id of ids) {
    try {
      const record = readRun(runPaths(stateDir, id));
      const plan = planOf(record.plan, record.paths.plan);
      const path = plan.inventory.path;
      if (!resolvers.has(path)) resolvers.set(path, keptResolver(plan));
      const final = finalOutput(record.paths.snapshot);
      const { keptOf, inventory } = await resolvers.get(path)!;
      inventories.set(id, inventory);
      runs.push(runBackups(id, record.journal.records, plan, keptOf, final));
    } catch (error) {
      // One damaged run folder must not hide every other run's backups.
      if (run !== undefined) throw error;
      unreadable.push({ run: id, error: (error as Error).message });
    }
  }
  return { runs, locked, unreadable, inventoryOf: (id) => inventories.get(id) };
}

/** The environments a finished run's snapshot holds, or none (unfinished, or no snapshot). */
function finalOutput(path: string): EnvironmentOutput[] {
  if (!existsSync(path)) return [];
  try {
    return finishedResults(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return [];
  }
}

/**
 * What each binding kind keeps: playbooks with a purge step keep copies of the previous files in
 * the run's backup folder under the host's state dir; PowerShell kinds that import a certificate
 * leave the previous one in the store (rollback binds it again; purge removes nothing there).
 * The inventory as it is now gives the state dirs; unreadable, the default state dir is assumed.
 */
interface Resolved {
  readonly keptOf: KeptOf;
  readonly inventory: Inventory | undefined;
}

async function keptResolver(plan: PlanDocument): Promise<Resolved> {
  const [{ loadInventory }, { loadPlaybooks }] = await Promise.all([
    import('../inventory/index.js'),
    import('../playbooks/index.js'),
  ]);
  let inventory: Inventory | undefined;
  let playbooks: PlaybookRegistry;
  try {
    inventory = loadInventory(plan.inventory.path);
    playbooks = loadPlaybooks({ userDirs: inventory.playbookDirs });
  } catch {
    playbooks = loadPlaybooks();
  }
  const keptOf: KeptOf = ({ env, host, run }, b, captured) => {
    let playbook;
    try {
      playbook = playbooks.get(b.kind);
    } catch {
      return { type: 'nothing' };
    }
    const h = inventory?.environments
      .find((e) => e.name === env)
      ?.hosts.find((x) => x.name === host);
    const params = h?.bindings.find((x) => x.id === b.id)?.params ?? {};
    // Windows kinds keep the previous certificate in the store (their purge step may remove it);
    // asked first, since they have a purge step as the sh kinds do.
    if (playbook.shell === 'powershell' && playbook.material !== 'none') {
      const param = params['certStoreName'];
      const store = `LocalMachine\\${typeof param === 'string' ? param : 'My'}`;
      return {
        type: 'store',
        store,
        purgeRemoves: params['oldCertificate'] === 'remove-unused',
        ...(b.current !== undefined ? { previous: b.current } : {}),
      };
    }
    if (playbook.steps.purge !== undefined) {
      const files = capturedFiles(captured);
      const dir = stagingPaths(h?.stateDir ?? DEFAULT_STATE_DIR, run, b.id).backupDir;
      return { type: 'files', dir, ...(files !== undefined ? { files } : {}) };
    }
    return { type: 'nothing' };
  };
  return { keptOf, inventory };
}

export interface PolicyPurgeOptions {
  readonly stateDir: string;
  readonly run?: string;
  readonly env?: readonly string[];
  readonly host?: readonly string[];
  readonly policy: RetentionPolicy;
  readonly now?: Date;
}

/** The retention policy's choice over every run's backups (nothing is touched). */
export async function retentionChoice(o: PolicyPurgeOptions): Promise<RetentionChoice> {
  // Every run is read, so that the newest N per host are counted over all of them.
  const run = o.run !== undefined ? findRun(o.stateDir, o.run).id : undefined;
  const listing = await listBackups(o.stateDir);
  const bad = listing.unreadable.find((u) => u.run === run);
  if (bad !== undefined)
    throw new CertrollError('JOURNAL_INVALID', `Run ${bad.run} cannot be read: ${bad.error}`, {
      hint: 'Inspect it with `certroll show RUN`.',
    });
  return chooseRetention(listing.runs, o.policy, o.now ?? new Date(), {
    locked: listing.locked,
    ...(run !== undefined ? { run } : {}),
    ...(o.env !== undefined ? { envs: o.env } : {}),
    ...(o.host !== undefined ? { hosts: o.host } : {}),
  });
}

/** Purges what the policy chose, run by run; each host's purge is journaled in its run. */
export async function purgeChosen(
  stateDir: string,
  choice: RetentionChoice,
  adapters: RolloutAdapters,
): Promise<{ run: string; results: PurgeResult[] }[]> {
  const byRun = new Map<string, string[]>();
  for (const { backup } of choice.purge)
    byRun.set(backup.run, [...(byRun.get(backup.run) ?? []), backup.host]);
  const out: { run: string; results: PurgeResult[] }[] = [];
  for (const [run, hosts] of byRun) {
    // Locks are read again right before: a rollback may have started since the choice.
    if (listLocks(locksDir(stateDir)).some((l) => l.runId === run)) {
      out.push({
        run,
        results: hosts.map((host) => ({ host, error: 'the run holds a lock now' })),
      });
      continue;
    }
    try {
      const loaded = await loadFinishedRun(run, { stateDir }, adapters);
      out.push({ run, results: await purgeFinished(loaded, { host: hosts }) });
    } catch (error) {
      // One run that cannot be loaded (its inventory gone) must not stop the others' purge.
      const message = (error as Error).message;
      out.push({ run, results: hosts.map((host) => ({ host, error: message })) });
    }
  }
  return out;
}

/** `purge RUN` never touches a run that holds a lock: its rollback or resume is under way. */
export function assertNotLocked(stateDir: string, run: string): void {
  const lock = listLocks(locksDir(stateDir)).find((l) => l.runId === run);
  if (lock === undefined) return;
  throw new CertrollError(
    'LOCK_HELD',
    `Run ${run} holds the lock on ${lock.scope} (${lock.owner}@${lock.machine}, pid ${lock.pid}, since ${lock.startedAt}): its backups are not purged.`,
    {
      hint:
        'Wait for its rollback or resume to end; if that process is dead, `certroll unlock ' +
        lock.id +
        '`.',
    },
  );
}
