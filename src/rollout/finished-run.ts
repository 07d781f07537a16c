// Acting on a finished run. Rollback restores the previous binding of every binding the run
// verified (optionally one environment or host), newest first, under the environment and host
// locks, each judged by the probe (the one undo saga); the captures it restores from are the
// ones the run kept in its persisted state. Purge removes what the run left on the hosts for a
// later rollback (the backups of the previous files).
import { recordsOf } from '../workflow/records.js';
import { existsSync, readFileSync } from 'node:fs';
import { trustAnchors } from '../cert/input.js';
import { CertrollError } from '../errors.js';
import {
  findRun,
  Journal,
  locksDir,
  lockEnvironments,
  readRun,
  type RunRecord,
} from '../journal/index.js';
import { type ChangeInfo } from '../plan/change.js';
import { planOf, type PlanDocument } from '../plan/document.js';
import {
  createRolloutSteps,
  type BindingCapture,
  type RolloutStepsImpl,
} from '../workflow/steps.js';
import { type EnvironmentOutput, type HostOutput } from '../workflow/types.js';
import { type RolloutAdapters } from './ports.js';

export interface FinishedRunOptions {
  readonly stateDir: string;
  /** Only these environments / hosts (`--env`, `--host`, each repeatable; all when empty). */
  readonly env?: string | readonly string[];
  readonly host?: string | readonly string[];
  /** Trust anchor files the probe validates against (the system's when empty). */
  readonly trust?: readonly string[];
  /** Who rolls back and for which ticket: in the `rollback-started` record. */
  readonly change?: ChangeInfo;
}

export interface FinishedRun {
  readonly record: RunRecord;
  readonly plan: PlanDocument;
  readonly results: readonly EnvironmentOutput[];
  readonly steps: RolloutStepsImpl;
  /** The inventory changed since the run: hosts and bindings are taken from it as it is now. */
  readonly inventoryChanged: boolean;
}

/** The environment outputs a finished run persisted (its rollout machine's final output). */
export function finishedResults(snapshot: unknown): EnvironmentOutput[] {
  const s = snapshot as
    { status?: string; output?: { environments?: EnvironmentOutput[] } } | undefined;
  if (s?.status !== 'done' || !Array.isArray(s.output?.environments)) {
    throw new CertrollError('USAGE', 'The run has not finished.', {
      hint: 'Finish it first with `certroll resume RUN`.',
    });
  }
  return s.output.environments;
}

export async function loadFinishedRun(
  run: string,
  o: FinishedRunOptions,
  adapters: RolloutAdapters,
): Promise<FinishedRun> {
  const record = readRun(findRun(o.stateDir, run));
  const plan = planOf(record.plan, record.paths.plan);
  const snapshot = existsSync(record.paths.snapshot)
    ? (JSON.parse(readFileSync(record.paths.snapshot, 'utf8')) as unknown)
    : undefined;
  const results = finishedResults(snapshot);
  const [{ loadInventory }, { loadPlaybooks }, { loadCertificates }] = await Promise.all([
    import('../inventory/index.js'),
    import('../playbooks/index.js'),
    import('../cert/index.js'),
  ]);
  const inventory = loadInventory(plan.inventory.path);
  const trust = await trustAnchors(o.trust ?? [], loadCertificates);
  const steps = createRolloutSteps({
    runId: record.paths.id,
    inventory,
    playbooks: loadPlaybooks({ userDirs: inventory.playbookDirs }),
    cert: { sha256: plan.bundle.sha256, thumbprint: plan.bundle.thumbprint },
    material: () => {
      throw new CertrollError('INTERNAL', 'rollback and purge never stage new material');
    },
    transportFor: adapters.transportFor,
    verifier: adapters.verifier(trust.anchors.map((a) => a.toString())),
  });
  return {
    record,
    plan,
    results,
    steps,
    inventoryChanged: inventory.digest !== plan.inventory.digest,
  };
}

/** The hosts of the run that `--env` / `--host` select. */
export function selectedHosts(
  results: readonly EnvironmentOutput[],
  o: Pick<FinishedRunOptions, 'env' | 'host'>,
): { env: string; host: HostOutput }[] {
  const envs = [o.env ?? []].flat();
  const hosts = [o.host ?? []].flat();
  const out = results
    .filter((e) => envs.length === 0 || envs.includes(e.env))
    .flatMap((e) => Object.values(e.hosts).map((host) => ({ env: e.env, host })))
    .filter((x) => hosts.length === 0 || hosts.includes(x.host.host));
  if (out.length === 0) {
    throw new CertrollError(
      'USAGE',
      `No host of the run matches${envs.length > 0 ? ` --env ${envs.join(', ')}` : ''}${hosts.length > 0 ? ` --host ${hosts.join(', ')}` : ''}.`,
      { hint: 'See the run with `certroll show RUN`.' },
    );
  }
  return out;
}

export type RollbackOutcome =
  | {
      /** Nothing was verified in the selection, or an earlier rollback restored all of it. */
      readonly status: 'nothing';
      readonly reason: 'already-rolled-back' | 'nothing-verified';
    }
  | {
      readonly status: 'rolled-back' | 'needs-attention' | 'interrupted';
      readonly environments: readonly EnvironmentOutput[];
      /** Hosts left alone because the operator stopped the rollback. */
      readonly left: readonly string[];
    };

/** The selected hosts a rollback would restore, newest first (and those verified at all). */
export function rollbackTargets(
  loaded: Pick<FinishedRun, 'record' | 'results'>,
  o: Pick<FinishedRunOptions, 'env' | 'host'>,
): { verified: { env: string; host: HostOutput }[]; targets: { env: string; host: HostOutput }[] } {
  // A host an earlier `rollback RUN` restored is done: its backups were purged then, so restoring
  // it again could only fail.
  const done = new Set(
    recordsOf(loaded.record.journal.records, 'host-rolled-back')
      .filter((r) => r.data.status === 'rolled-back')
      .map((r) => `${r.data.env}/${r.data.host}`),
  );
  const verified = selectedHosts(loaded.results, o).filter((t) =>
    Object.values(t.host.bindings).some((b) => b.status === 'verified'),
  );
  // Newest first: the reverse of the order the run finished its hosts (environments in reverse).
  const targets = verified.filter((t) => !done.has(`${t.env}/${t.host.host}`)).reverse();
  return { verified, targets };
}

export async function rollbackFinished(
  loaded: FinishedRun,
  o: FinishedRunOptions & { readonly interrupt?: AbortSignal },
): Promise<RollbackOutcome> {
  const { record, steps } = loaded;
  const { verified, targets } = rollbackTargets(loaded, o);
  if (targets.length === 0)
    return {
      status: 'nothing',
      reason: verified.length > 0 ? 'already-rolled-back' : 'nothing-verified',
    };
  const locks = lockEnvironments(
    locksDir(o.stateDir),
    targets.map((t) => t.env),
    record.paths.id,
  );
  const { journal } = Journal.open(record.paths.journal);
  const signal = new AbortController().signal;
  const rolled: EnvironmentOutput[] = [];
  const left: string[] = [];
  try {
    journal.append('rollback-started', { hosts: targets.map((t) => t.host.host), ...o.change });
    for (const { env, host } of targets) {
      if (o.interrupt?.aborted === true) {
        left.push(host.host);
        continue;
      }
      const output = await steps.rollbackHost({ host: host.host, output: host }, signal);
      journal.append('host-rolled-back', { env, host: host.host, status: output.status });
      // Nothing verified is left: no capture goes along, so no previous certificate is removed.
      if (output.status === 'rolled-back') await purgeHost(steps, host.host, signal);
      const existing = rolled.find((e) => e.env === env);
      if (existing !== undefined)
        (existing.hosts as Record<string, HostOutput>)[host.host] = output;
      else
        rolled.push({
          env,
          status: 'rolled-back',
          hosts: { [host.host]: output },
          notStarted: [],
          failures: 0,
        });
    }
  } finally {
    locks.release();
  }
  const ok = rolled.every((e) => Object.values(e.hosts).every((h) => h.status === 'rolled-back'));
  const status = !ok ? 'needs-attention' : left.length > 0 ? 'interrupted' : 'rolled-back';
  journal.append('rollback-finished', {
    status,
    ...(left.length > 0 ? { notStarted: left } : {}),
  });
  return { status, environments: rolled, left };
}

/** Nothing is left to restore on a rolled-back host: remove the backups the run kept there. */
async function purgeHost(
  steps: RolloutStepsImpl,
  host: string,
  signal: AbortSignal,
  verified?: HostOutput,
): Promise<string[]> {
  await steps.connect({ host }, signal);
  try {
    return await steps.purge({ host, captured: verifiedCaptures(verified) }, signal);
  } finally {
    await steps.release({ host, locked: false }, signal);
  }
}

/** The captures the host's verified bindings kept (what the new certificate replaced there). */
function verifiedCaptures(output: HostOutput | undefined): Record<string, BindingCapture> {
  const out: Record<string, BindingCapture> = {};
  for (const [id, o] of Object.entries(output?.bindings ?? {}))
    if (o.status === 'verified' && o.captured !== undefined) out[id] = o.captured as BindingCapture;
  return out;
}

export interface PurgeResult {
  readonly host: string;
  /** The bindings whose kept files were removed (empty: no binding keeps any). */
  readonly purged?: readonly string[];
  /** Why the purge of the host failed. */
  readonly error?: string;
}

export async function purgeFinished(
  loaded: FinishedRun,
  o: Pick<FinishedRunOptions, 'env' | 'host'>,
): Promise<PurgeResult[]> {
  const { record, results, steps } = loaded;
  const { journal } = Journal.open(record.paths.journal);
  const signal = new AbortController().signal;
  const out: PurgeResult[] = [];
  for (const { host } of selectedHosts(results, o)) {
    try {
      const purged = await purgeHost(steps, host.host, signal, host);
      journal.append('host-purged', { host: host.host, bindings: purged });
      out.push({ host: host.host, purged });
    } catch (error) {
      out.push({ host: host.host, error: (error as Error).message });
    }
  }
  return out;
}
