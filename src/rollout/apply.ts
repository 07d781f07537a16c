// Applying a plan: take every environment's lock (first of all), refuse a stale plan, open the run
// folder (plan, journal, snapshots, audit log), run the rollout machine over the real steps, and
// sweep the hosts for the replaced certificates. Returns the run's outcome; the CLI turns it into
// text and an exit code.
import { CertrollError } from '../errors.js';
import { type HostFacts } from '../discover/coverage.js';
import { type Host } from '../inventory/model.js';
import {
  createRunFolder,
  Journal,
  locksDir,
  lockEnvironments,
  newRunId,
  RunRecorder,
  type EnvironmentLocks,
  type RunPaths,
} from '../journal/index.js';
import { type Logger } from '../log/index.js';
import { type JournalRecord } from '../journal/journal.js';
import { recordsOf } from '../workflow/records.js';
import { type RolloutRef } from '../workflow/types.js';
import { type ChangeInfo } from '../plan/change.js';
import { buildPlan, planPins, type PlanDocument } from '../plan/document.js';
import { overrideSoak, rolloutRef, type SoakReplaced } from '../workflow/ref.js';
import { describeDrift, planDrift } from '../plan/pins.js';
import { sharedProbe, type ProbeFn } from '../probe/shared.js';
import {
  createRolloutSteps,
  journaled,
  runRollout,
  type HostOutput,
  type RolloutOutput,
} from '../workflow/index.js';
import { type BindingVerifier } from '../workflow/ports.js';
import { eventOfRecord, runEvent, type EventContext, type RunEvent } from '../notify/events.js';
import { type RolloutAdapters, type RunNotifier, type RunObserver } from './ports.js';
import { captureAll } from './preflight.js';
import { NOTHING_TOUCHED, type Prepared } from './prepare.js';
import { replacedBy, sweep, type Sweep } from './sweep.js';

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

/** What the pre-run checks share with the run: connections, how many hosts at once, the probe. */
export interface ReadOptions {
  readonly adapters: RolloutAdapters;
  readonly concurrency?: number;
  /** Shared with the coverage gate that follows (src/probe/shared.ts). */
  readonly probe?: ProbeFn;
  readonly stateDirFor?: (host: Host) => string | undefined;
}

/**
 * Takes the lock of every environment the run will touch, first of all: before the plan's
 * freshness check or any host is read, so a second apply is refused (LOCK_HELD) without logging
 * in anywhere. A resumed run takes back the locks its dead process left.
 */
export function lockRun(
  stateDir: string,
  environments: readonly { readonly name: string }[],
  resume?: { readonly runId: string },
): EnvironmentLocks {
  return lockEnvironments(
    locksDir(stateDir),
    environments.map((e) => e.name),
    resume?.runId ?? newRunId(),
    resume !== undefined,
  );
}

/** Re-captures every binding and refuses the plan when the bundle, inventory or a binding moved. */
export async function assertPlanFresh(
  plan: PlanDocument,
  prepared: Prepared,
  options: ReadOptions,
): Promise<void> {
  const captures = await captureAll(prepared, {
    runId: 'freshness-check',
    transportFor: options.adapters.transportFor,
    verifier: options.adapters.verifier(prepared.trustPem, options.probe),
    ...(options.stateDirFor ? { stateDirFor: options.stateDirFor } : {}),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
  });
  const now = buildPlan(
    prepared.inventory,
    plan.inventory.path,
    { ...plan.bundle, sha256: prepared.cert.sha256 },
    captures,
  );
  const drift = planDrift(planPins(plan), {
    ...planPins(now),
    inventoryDigest: prepared.inventory.digest,
  });
  if (drift.length > 0) {
    throw new CertrollError(
      'PLAN_STALE',
      `The plan is stale: ${drift.length} thing(s) changed since it was made. ${NOTHING_TOUCHED}`,
      {
        details: drift.map((d) => ({ message: describeDrift(d) })),
        hint: 'Make a new plan (`certroll plan ...`) and review it again.',
      },
    );
  }
}

/**
 * What `apply` checks before it changes anything, under the environments' locks: the plan is
 * still fresh, and coverage still holds. Returns what the gate read, for the sweep.
 */
export async function preflightApply(
  plan: PlanDocument,
  prepared: Prepared,
  o: ReadOptions & { readonly discoverConcurrency?: number },
): Promise<ReadonlyMap<string, HostFacts>> {
  // The freshness check and the gate ask some ports the same question: one handshake.
  const probe = o.probe ?? sharedProbe(o.adapters.probe);
  await assertPlanFresh(plan, prepared, { ...o, probe });
  const { assertCoverage } = await import('../discover/rollout-hooks.js');
  const { facts } = await assertCoverage(prepared.inventory, replacedBy(plan), NOTHING_TOUCHED, {
    trust: prepared.trustPem,
    transportFor: o.adapters.transportFor,
    ...(o.discoverConcurrency !== undefined ? { concurrency: o.discoverConcurrency } : {}),
    probe,
  });
  return facts;
}

export async function applyPlan(
  plan: PlanDocument,
  prepared: Prepared,
  options: ApplyOptions,
): Promise<ApplyOutcome> {
  const { adapters, observer } = options;
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
  const audit = adapters.auditLog(paths.audit).child({ runId, ...options.change });
  observer?.started?.(runId, paths.dir);
  const tell = teller(options.notifier, {
    runId,
    certificate: plan.bundle.sha256,
    ...options.change,
  });
  tell('run-started', {
    message: `${options.resume !== undefined ? 'resumed' : 'started'}: ${plan.environments.map((e) => e.name).join(', ')}`,
  });
  const steps = createRolloutSteps({
    runId,
    inventory: prepared.inventory,
    playbooks: prepared.playbooks,
    cert: prepared.cert,
    material: prepared.material,
    transportFor: adapters.transportFor,
    windowsFacts: prepared.windowsFacts,
    verifier: options.verifier ?? adapters.verifier(prepared.trustPem),
    approve: (env, signal) => {
      tell('approval-needed', { env, message: `environment ${env} waits for approval` });
      return options.approve(env, signal);
    },
    ...(options.stateDirFor !== undefined ? { stateDirFor: options.stateDirFor } : {}),
  });
  const recorder = new RunRecorder(journal, paths.snapshot);
  let output: RolloutOutput;
  try {
    output = await runRollout({
      ...(options.interrupt !== undefined ? { interrupt: options.interrupt } : {}),
      ref,
      steps: journaled(
        steps,
        observed(recorder, observer, audit, prepared.cert.sha256, (type, data) =>
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
      ...(options.resume !== undefined && reopened !== undefined
        ? { restore: { snapshot: options.resume.snapshot, journal: reopened.contents.records } }
        : {}),
    });
  } finally {
    await observer?.close?.();
    recorder.close();
  }
  auditOutcomes(audit, output, prepared.cert.sha256);
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
  const base = { runId, dir: paths.dir, output, ...(soakOverride ? { soakOverride } : {}) };
  // Hosts not started still serve the old certificate by design: no sweep.
  if (output.status === 'interrupted') {
    tell('run-finished', {
      status: 'interrupted',
      message: finishedMessage('interrupted', output),
    });
    return { ...base, status: 'interrupted' };
  }
  const swept = await sweep(plan, prepared, output, {
    adapters,
    ...(options.known !== undefined ? { known: options.known } : {}),
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

/** The run's events to the notifier, stamped with who and what; never throws. */
function teller(notifier: RunNotifier | undefined, ctx: EventContext) {
  const send = (event: RunEvent | undefined) => {
    if (notifier === undefined || event === undefined) return;
    try {
      notifier.notify(event);
    } catch {
      // A notifier that throws is a bug in it; the run goes on regardless.
    }
  };
  const tell = (type: Parameters<typeof runEvent>[1], fields: Parameters<typeof runEvent>[2]) =>
    send(runEvent(ctx, type, fields));
  tell.record = (type: string, data: Record<string, unknown>) =>
    send(eventOfRecord(ctx, type, data));
  return tell;
}

function finishedMessage(status: string, output: RolloutOutput, clean?: boolean): string {
  const all = output.environments.flatMap((e) =>
    Object.values(e.hosts).flatMap((h) => Object.values(h.bindings)),
  );
  const n = (s: string) => all.filter((b) => b.status === s).length;
  const sweep = clean === false ? '; the sweep found the replaced certificate still served' : '';
  return `run ${status}: ${n('verified')} verified, ${n('rolled-back')} rolled back, ${n('needs-attention')} need attention, ${n('skipped')} skipped${sweep}`;
}

/** A host's output as the journal's last word on it: the captures stay in the snapshot. */
function withoutCaptures(h: HostOutput): HostOutput {
  const bindings = Object.fromEntries(
    Object.entries(h.bindings).map(([id, { captured: _captured, ...rest }]) => [id, rest]),
  );
  return { ...h, bindings };
}

/** One audit line per binding: how it ended, what was expected and what was observed. */
function auditOutcomes(audit: Logger, output: RolloutOutput, expected: string): void {
  for (const e of output.environments) {
    for (const h of Object.values(e.hosts)) {
      for (const [binding, o] of Object.entries(h.bindings)) {
        audit.info('binding finished', {
          env: e.env,
          host: h.host,
          binding,
          status: o.status,
          expected,
          observed: o.observed,
          reason: o.reason,
        });
      }
    }
  }
}

// Every journal record goes to the journal, every finished or failed step to the audit log (with
// its duration and the expected fingerprint), and the steps also to the observer (the progress
// view).
function observed(
  journal: {
    append(type: string, data: Record<string, unknown>): unknown;
    durable(what?: 'all' | 'records'): Promise<void>;
  },
  observer: RunObserver | undefined,
  audit: Logger,
  expected: string,
  notify: (type: string, data: Record<string, unknown>) => void,
) {
  const started = new Map<string, number>();
  return {
    // After an approval step starts, the terminal view gives the terminal back before the prompt.
    durable: async (what?: 'all' | 'records') => {
      await journal.durable(what);
      await observer?.idle?.();
    },
    append(type: string, data: Record<string, unknown>) {
      journal.append(type, data);
      const step = typeof data['step'] === 'string' ? data['step'] : '';
      const key = `${step} ${String(data['host'])} ${String(data['binding'])}`;
      if (type === 'step-started') started.set(key, Date.now());
      else {
        const durationMs = Date.now() - (started.get(key) ?? Date.now());
        audit.info(type === 'step-failed' ? 'step failed' : 'step finished', {
          ...data,
          durationMs,
          ...(step === 'verify' ? { expected } : {}),
          outcome: type === 'step-failed' ? 'failed' : 'ok',
        });
      }
      observer?.record?.(type, data);
      notify(type, data);
    },
  };
}
