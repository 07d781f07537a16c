// Applying a plan: take every environment's lock (first of all), refuse a stale plan, open the run
// folder (plan, journal, snapshots, audit log), run the rollout machine over the real steps, and
// sweep the hosts for the replaced certificates. Returns the run's outcome; the CLI turns it into
// text and an exit code. The checks before it are in apply-checks.ts; what a run tells besides
// its journal (notifier, audit log, progress view) in run-records.ts.
import { type HostFacts } from '../discover/coverage.js';
import { type Host } from '../inventory/model.js';
import {
  createRunFolder,
  Journal,
  RunRecorder,
  type EnvironmentLocks,
  type RunPaths,
} from '../journal/index.js';
import { type Logger } from '../log/index.js';
import { type JournalRecord } from '../journal/journal.js';
import { recordsOf } from '../workflow/records.js';
import { type RolloutRef } from '../workflow/types.js';
import { type ChangeInfo } from '../plan/change.js';
import { type PlanDocument } from '../plan/document.js';
import { overrideSoak, rolloutRef, type SoakReplaced } from '../workflow/ref.js';
import {
  createRolloutSteps,
  journaled,
  runRollout,
  type RolloutOutput,
} from '../workflow/index.js';
import { type BindingVerifier } from '../workflow/ports.js';
import { type RolloutAdapters, type RunNotifier, type RunObserver } from './ports.js';
import { type Prepared } from './prepare.js';
import {
  auditOutcomes,
  finishedMessage,
  observed,
  teller,
  withoutCaptures,
} from './run-records.js';
import { sweep, type Sweep } from './sweep.js';
import { witnessProbe, type Witness } from '../probe/witness.js';

export interface ApplyOptions {
  readonly stateDir: string;
  /**
   * The environments' locks, taken by the caller before it read any host (lockRun); their run id
   * is the run's. The caller releases them.
   */
  readonly locks: EnvironmentLocks;
  readonly adapters: RolloutAdapters;
  /** The approval gate of an environment with `approval: true`. */
  readonly approve: (env: string, signal: AbortSignal) => Promise<boolean>;
  readonly observer?: RunObserver;
  /** Aborted by the operator (Ctrl-C): no new host or environment starts. */
  readonly interrupt?: AbortSignal;
  /** The verifier to use instead of the adapters' (the demo shortens its deadline). */
  readonly verifier?: BindingVerifier;
  readonly stateDirFor?: (host: Host) => string | undefined;
  /** Resume: the run to continue and its persisted snapshot. */
  readonly resume?: { readonly paths: RunPaths; readonly snapshot: unknown };
  /** What the plan's gate read on each host in this command; the sweep lists listeners again only. */
  readonly known?: ReadonlyMap<string, HostFacts>;
  /** Who runs it and for which ticket: in the journal's first record and every audit line. */
  readonly change?: ChangeInfo;
  /** Webhooks: told as the run starts, waits for approval, fails, rolls back and ends. */
  readonly notifier?: RunNotifier;
  /** `--soak`: this soak after every environment instead of each policy's (journaled). */
  readonly soakMs?: number;
}

export interface ApplyOutcome {
  readonly runId: string;
  readonly dir: string;
  readonly output: RolloutOutput;
  /** Absent when the run was interrupted: hosts not started still serve the old certificate. */
  readonly sweep?: Sweep;
  /** succeeded: every binding verified or already current, and the sweep found nothing. */
  readonly status: 'succeeded' | 'failed' | 'interrupted';
  /** `--soak` replaced these environments' soak: the summary warns. */
  readonly soakOverride?: SoakOverride;
}

export interface SoakOverride {
  readonly ms: number;
  readonly replaced: readonly SoakReplaced[];
}

export async function applyPlan(
  plan: PlanDocument,
  prepared: Prepared,
  options: ApplyOptions,
): Promise<ApplyOutcome> {
  const run = await openRun(plan, prepared, options);
  // The run's handshakes, noted: the sweep need not repeat what verification just proved.
  const witness = witnessProbe(options.adapters.probe);
  const output = await runMachine(prepared, options, run, witness);
  return finishRun(plan, prepared, options, run, output, witness);
}

/** A run as it starts: its folder and journal (new, or reopened to resume), audit log and teller. */
interface OpenedRun {
  readonly runId: string;
  readonly paths: RunPaths;
  readonly journal: Journal;
  /** The journal's records so far, when resuming. */
  readonly resumed?: readonly JournalRecord[];
  readonly ref: RolloutRef;
  readonly soakOverride?: SoakOverride;
  readonly audit: Logger;
  readonly tell: ReturnType<typeof teller>;
}

async function openRun(
  plan: PlanDocument,
  prepared: Prepared,
  options: ApplyOptions,
): Promise<OpenedRun> {
  const runId = options.locks.runId;
  const paths = options.resume?.paths ?? createRunFolder(options.stateDir, plan, runId);
  const reopened = options.resume !== undefined ? Journal.open(paths.journal) : undefined;
  const { ref, soakOverride } = refOf(runId, prepared, options.soakMs, reopened?.contents.records);
  const journal =
    reopened !== undefined
      ? reopened.journal
      : Journal.create(paths.journal, {
          runId,
          inventory: plan.inventory.path,
          bundle: plan.bundle.sha256,
          ...options.change,
          ...(soakOverride !== undefined ? { soakOverride } : {}),
        });
  if (options.resume !== undefined) journal.append('run-resumed', { ...options.change });
  const audit = (await options.adapters.auditLog(paths.audit)).child({ runId, ...options.change });
  options.observer?.started?.(runId, paths.dir);
  const tell = teller(options.notifier, {
    runId,
    certificate: plan.bundle.sha256,
    ...options.change,
  });
  tell('run-started', {
    message: `${options.resume !== undefined ? 'resumed' : 'started'}: ${plan.environments.map((e) => e.name).join(', ')}`,
  });
  return {
    runId,
    paths,
    journal,
    ...(reopened !== undefined ? { resumed: reopened.contents.records } : {}),
    ref,
    ...(soakOverride !== undefined ? { soakOverride } : {}),
    audit,
    tell,
  };
}

/** Runs the rollout machine over the real steps, every record journaled, audited and observed. */
async function runMachine(
  prepared: Prepared,
  options: ApplyOptions,
  run: OpenedRun,
  witness: Witness,
): Promise<RolloutOutput> {
  const { adapters, observer } = options;
  const { tell } = run;
  const steps = createRolloutSteps({
    runId: run.runId,
    inventory: prepared.inventory,
    playbooks: prepared.playbooks,
    cert: prepared.cert,
    material: prepared.material,
    transportFor: adapters.transportFor,
    windowsFacts: prepared.windowsFacts,
    verifier: options.verifier ?? adapters.verifier(prepared.trustPem, undefined, witness.probe),
    approve: (env, signal) => {
      tell('approval-needed', { env, message: `environment ${env} waits for approval` });
      return options.approve(env, signal);
    },
    ...(options.stateDirFor !== undefined ? { stateDirFor: options.stateDirFor } : {}),
  });
  const recorder = new RunRecorder(run.journal, run.paths.snapshot);
  try {
    return await runRollout({
      ...(options.interrupt !== undefined ? { interrupt: options.interrupt } : {}),
      ref: run.ref,
      steps: journaled(
        steps,
        observed(recorder, observer, run.audit, prepared.cert.sha256, (type, data) =>
          tell.record(type, data),
        ),
      ),
      onEnvironmentDone: (e) =>
        tell('environment-finished', {
          env: e.env,
          status: e.status,
          message: `environment ${e.env} ${e.status}${e.reason !== undefined ? `: ${e.reason}` : ''}`,
        }),
      snapshots: recorder,
      ...(options.resume !== undefined && run.resumed !== undefined
        ? { restore: { snapshot: options.resume.snapshot, journal: run.resumed } }
        : {}),
    });
  } finally {
    await observer?.close?.();
    recorder.close();
  }
}

/** Journals and audits how the run ended, then (unless interrupted) sweeps for the old certificate. */
async function finishRun(
  plan: PlanDocument,
  prepared: Prepared,
  options: ApplyOptions,
  run: OpenedRun,
  output: RolloutOutput,
  witness: Witness,
): Promise<ApplyOutcome> {
  const { journal, tell, soakOverride } = run;
  auditOutcomes(run.audit, output, prepared.cert.sha256);
  journal.append('run-finished', {
    status: output.status,
    ...(output.reason !== undefined ? { reason: output.reason } : {}),
    environments: output.environments.map((e) => ({
      env: e.env,
      status: e.status,
      ...(e.reason !== undefined ? { reason: e.reason } : {}),
    })),
    hosts: output.environments.flatMap((e) =>
      Object.values(e.hosts).map((h) => ({ env: e.env, output: withoutCaptures(h) })),
    ),
  });
  const base = {
    runId: run.runId,
    dir: run.paths.dir,
    output,
    ...(soakOverride ? { soakOverride } : {}),
  };
  // Hosts not started still serve the old certificate by design: no sweep.
  if (output.status === 'interrupted') {
    tell('run-finished', {
      status: 'interrupted',
      message: finishedMessage('interrupted', output),
    });
    return { ...base, status: 'interrupted' };
  }
  const swept = await sweep(plan, prepared, output, {
    adapters: options.adapters,
    ...(options.known !== undefined ? { known: options.known } : {}),
    witness,
  });
  journal.append('run-swept', { clean: swept.clean, text: swept.text });
  const ok = output.status === 'succeeded' && swept.clean;
  const status = ok ? 'succeeded' : 'failed';
  tell('run-finished', { status, message: finishedMessage(status, output, swept.clean) });
  return { ...base, sweep: swept, status };
}

/**
 * The rollout machine's input; `--soak` replaces every environment's soak in it. A resumed run
 * keeps its own (persisted in its `run-ref` record) and the override its first record names.
 */
function refOf(
  runId: string,
  prepared: Prepared,
  soakMs: number | undefined,
  resumed: readonly JournalRecord[] | undefined,
): { ref: RolloutRef; soakOverride?: SoakOverride } {
  const ref = rolloutRef(runId, prepared.inventory, (k) => prepared.playbooks.get(k));
  if (resumed !== undefined) {
    const opened = recordsOf(resumed, 'journal-opened')[0]?.data.soakOverride;
    return { ref, ...(opened !== undefined ? { soakOverride: opened } : {}) };
  }
  if (soakMs === undefined) return { ref };
  const over = overrideSoak(ref, soakMs);
  return { ref: over.ref, soakOverride: { ms: soakMs, replaced: over.replaced } };
}
