// Applying a plan: refuse it when stale, take every environment's lock, open the run folder
// (plan, journal, snapshots, audit log), run the rollout machine over the real steps, and print
// the summary. Exit 0 only when every binding ended verified (or was already current).
import { CertrollError } from '../../errors.js';
import {
  createRunFolder,
  Journal,
  locksDir,
  lockEnvironments,
  newRunId,
  RunRecorder,
  type EnvironmentLocks,
  type RunPaths,
} from '../../journal/index.js';
import { createLogger, Redactor, type Logger } from '../../log/index.js';
import { describeDrift, planDrift } from '../../plan/pins.js';
import { type HostFacts } from '../../discover/coverage.js';
import { type Host } from '../../inventory/model.js';
import { TransportPool } from '../../transport/pool.js';
import { type Transport } from '../../transport/types.js';
import { type ProbeFn } from '../../probe/shared.js';
import {
  createRolloutSteps,
  journaled,
  runRollout,
  type RolloutOutput,
} from '../../workflow/index.js';
import { EXIT } from '../exit-codes.js';
import { askYesNo } from '../prompt.js';
import { onInterrupts, runWords } from './interrupt.js';
import { type CliIo } from '../io.js';
import { captureAll, verifierFor, type PreflightOptions } from '../../rollout/preflight.js';
import { planPins, rolloutRef, type PlanDocument } from '../../plan/document.js';
import { NOTHING_TOUCHED, type Prepared } from '../../rollout/prepare.js';
import { createProgress, type Progress } from './progress.js';
import { renderSummary } from './summary.js';

export interface ApplyOptions {
  readonly stateDir: string;
  /**
   * The environments' locks, taken by the caller before it read any host (lockRun); their run id
   * is the run's. The caller releases them.
   */
  readonly locks: EnvironmentLocks;
  readonly yes: boolean;
  readonly approve: readonly string[];
  readonly stateDirFor?: PreflightOptions['stateDirFor'];
  /** The verifier to use instead of the default probe verifier (the demo shortens its deadline). */
  readonly verifier?: PreflightOptions['verifier'];
  /** Resume: the run to continue and its persisted snapshot. */
  readonly resume?: { readonly paths: RunPaths; readonly snapshot: unknown };
  /**
   * The command's shared transports (a TransportPool's lease); the caller closes them. Without
   * it, applyPlan pools the run's and the sweep's connections itself and closes them on return.
   */
  readonly transportFor?: (host: Host) => Transport;
  /** What the plan's gate read on each host in this command; the sweep lists listeners again only. */
  readonly known?: ReadonlyMap<string, HostFacts>;
}

/** What the pre-run checks share with the run: connections and how many hosts at once. */
export interface ReadOptions {
  readonly transportFor?: (host: Host) => Transport;
  readonly concurrency?: number;
  /** Shared with the coverage gate that follows (src/probe/shared.ts). */
  readonly probe?: ProbeFn;
}

/** Re-captures every binding and refuses the plan when the bundle, inventory or a binding moved. */
export async function assertPlanFresh(
  plan: PlanDocument,
  prepared: Prepared,
  options: Pick<ApplyOptions, 'stateDirFor'> & ReadOptions,
): Promise<void> {
  const { buildPlan } = await import('../../plan/document.js');
  const captures = await captureAll(prepared, {
    runId: 'freshness-check',
    ...(options.stateDirFor ? { stateDirFor: options.stateDirFor } : {}),
    ...(options.transportFor ? { transportFor: options.transportFor } : {}),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.probe !== undefined ? { verifier: verifierFor(prepared, options.probe) } : {}),
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

export async function applyPlan(
  plan: PlanDocument,
  prepared: Prepared,
  options: ApplyOptions,
  io: CliIo,
): Promise<{ exitCode: number; output: RolloutOutput; runId: string }> {
  const runId = options.locks.runId;
  let pool: TransportPool | undefined;
  const transportFor =
    options.transportFor ?? (pool = new TransportPool(undefined, { env: io.env })).lease;
  try {
    const paths = options.resume?.paths ?? createRunFolder(options.stateDir, plan, runId);
    const reopened = options.resume !== undefined ? Journal.open(paths.journal) : undefined;
    const journal =
      reopened !== undefined
        ? reopened.journal
        : Journal.create(paths.journal, {
            runId,
            inventory: plan.inventory.path,
            bundle: plan.bundle.sha256,
          });
    if (options.resume !== undefined) journal.append('run-resumed', {});
    const audit = createLogger({ redactor: new Redactor(), file: paths.audit }).child({ runId });
    io.stderr(`run ${runId} (${paths.dir})\n`);
    const steps = createRolloutSteps({
      runId,
      inventory: prepared.inventory,
      playbooks: prepared.playbooks,
      cert: prepared.cert,
      material: prepared.material,
      transportFor,
      verifier: options.verifier ?? verifierFor(prepared),
      approve: (env, signal) => approve(env, options, io, signal),
      ...(options.stateDirFor !== undefined ? { stateDirFor: options.stateDirFor } : {}),
    });
    const recorder = new RunRecorder(journal, paths.snapshot);
    const progress = createProgress(io, {
      environments: prepared.inventory.environments.map((e) => ({
        name: e.name,
        hosts: e.hosts.map((h) => h.name),
      })),
    });
    let output: RolloutOutput;
    const interrupts = onInterrupts(io, runWords(runId));
    try {
      output = await runRollout({
        interrupt: interrupts.signal,
        ref: rolloutRef(runId, prepared.inventory, (k) => prepared.playbooks.get(k)),
        steps: journaled(steps, withProgress(recorder, progress, audit, prepared.cert.sha256)),
        snapshots: recorder,
        ...(options.resume !== undefined && reopened !== undefined
          ? { restore: { snapshot: options.resume.snapshot, journal: reopened.contents.records } }
          : {}),
      });
    } finally {
      interrupts.dispose();
      await progress.close();
      recorder.close();
    }
    for (const e of output.environments) {
      for (const h of Object.values(e.hosts)) {
        for (const [binding, o] of Object.entries(h.bindings)) {
          audit.info('binding finished', {
            env: e.env,
            host: h.host,
            binding,
            status: o.status,
            expected: prepared.cert.sha256,
            observed: o.observed,
            reason: o.reason,
          });
        }
      }
    }
    journal.append('run-finished', { status: output.status });
    io.stdout(renderSummary(output));
    if (output.status === 'interrupted') {
      // Hosts not started still serve the old certificate by design: no sweep.
      io.stdout(
        'No sweep: the run was interrupted. Plan and roll out again to finish; the hosts done ' +
          'are planned as already current.\n',
      );
      return { exitCode: EXIT.INTERRUPTED, output, runId };
    }
    // Sweep (issue 6): a port still serving a replaced certificate fails the run, verified or not.
    const { sweepOld } = await import('../../discover/rollout-hooks.js');
    const replaced = plan.environments.flatMap((e) => e.hosts.flatMap((h) => h.bindings));
    const rolledBack = new Set(
      output.environments.flatMap((e) =>
        Object.values(e.hosts).flatMap((h) =>
          Object.entries(h.bindings)
            .filter(([, b]) => b.status !== 'verified' && b.status !== 'skipped')
            .map(([id]) => `${h.host} ${id}`),
        ),
      ),
    );
    const sweep = await sweepOld(
      prepared.inventory,
      [
        ...replaced.map((b) => (b.current !== prepared.cert.sha256 ? b.current : undefined)),
        ...(plan.replaces ?? []),
      ],
      {
        trust: prepared.trustPem,
        rolledBack,
        transportFor,
        ...(options.known !== undefined ? { known: options.known } : {}),
      },
    );
    io.stdout(sweep.text);
    const ok = output.status === 'succeeded' && sweep.clean;
    return { exitCode: ok ? EXIT.OK : EXIT.FAILED, output, runId };
  } finally {
    await pool?.closeAll();
  }
}

async function approve(
  env: string,
  options: ApplyOptions,
  io: CliIo,
  signal: AbortSignal,
): Promise<boolean> {
  if (options.yes || options.approve.includes(env)) return true;
  if (!process.stdin.isTTY) {
    io.stderr(`environment ${env} needs approval: pass --approve ${env} or --yes\n`);
    return false;
  }
  return askYesNo(`Start environment ${env}? [y/N] `, { signal });
}

// Every journal record goes to the journal, every finished or failed step to the audit log (with
// its duration and the expected fingerprint), and the steps also to the progress view.
function withProgress(
  journal: {
    append(type: string, data: Record<string, unknown>): unknown;
    durable(what?: 'all' | 'records'): Promise<void>;
  },
  progress: Progress,
  audit: Logger,
  expected: string,
) {
  const started = new Map<string, number>();
  return {
    // After an approval step starts, the terminal view gives the terminal back before the prompt.
    durable: async (what?: 'all' | 'records') => {
      await journal.durable(what);
      await progress.idle();
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
      progress.record(type, data);
    },
  };
}
