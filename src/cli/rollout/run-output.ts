// The person's side of a run: the approval prompt, the progress view and Ctrl-C around the apply
// use case, then its outcome as the summary table, the sweep and an exit code.
import { type RunPaths, type EnvironmentLocks } from '../../journal/index.js';
import { type PlanDocument } from '../../plan/document.js';
import { applyPlan, type ApplyOptions, type ApplyOutcome } from '../../rollout/apply.js';
import { type RolloutAdapters, type RunNotifier } from '../../rollout/ports.js';
import { type Prepared } from '../../rollout/prepare.js';
import { formatDuration } from '../../inventory/render.js';
import { EXIT } from '../exit-codes.js';
import { type CliIo } from '../io.js';
import { eventStream, printOutcome, type EventStream, type OutputMode } from '../output.js';
import { askYesNo } from '../prompt.js';
import { onInterrupts, runWords } from './interrupt.js';
import { poolTracker } from './pool-progress.js';
import { createProgress } from './progress.js';
import { renderSummary } from './summary.js';

export interface RunCommandOptions {
  readonly stateDir: string;
  readonly locks: EnvironmentLocks;
  readonly adapters: RolloutAdapters;
  /** `--yes`: every approval given. */
  readonly yes: boolean;
  /** `--approve ENV`: these environments' approval given. */
  readonly approve: readonly string[];
  readonly resume?: { readonly paths: RunPaths; readonly snapshot: unknown };
  readonly known?: ApplyOptions['known'];
  readonly verifier?: ApplyOptions['verifier'];
  readonly change?: ApplyOptions['change'];
  /** Webhooks, and how to wait (bounded) for what they still send once the run ended. */
  readonly notify?: { readonly notifier: RunNotifier; readonly drain: () => Promise<void> };
  /** text (default): progress and the summary table; json: one document; jsonl: events. */
  readonly output?: OutputMode;
  /** Where jsonl events go (one stream for the whole command, so `seq` counts on). */
  readonly events?: EventStream;
  /** `--soak`: every environment's soak instead of its policy's. */
  readonly soakMs?: number;
  /** Added to the outcome document (rollout: the plan it applied). */
  readonly extra?: Record<string, unknown>;
}

/** Runs the plan with progress, prompts and Ctrl-C; prints the summary and the sweep. */
export async function runAndReport(
  plan: PlanDocument,
  prepared: Prepared,
  o: RunCommandOptions,
  io: CliIo,
): Promise<{ exitCode: number; outcome: ApplyOutcome }> {
  const progress = createProgress(io, {
    environments: prepared.inventory.environments.map((e) => ({
      name: e.name,
      hosts: e.hosts.map((h) => h.name),
    })),
  });
  // Through the progress view: while it draws, a plain write would wait for the frame to end.
  const mode = o.output ?? 'text';
  const events = o.events ?? eventStream(io, mode);
  // Which pool member serves what: derived from the records, drawn and sent as `pool` events.
  const pools = poolTracker(plan);
  const interrupts = onInterrupts(
    { stderr: (text) => progress.notice(text) },
    runWords(o.locks.runId),
  );
  let outcome: ApplyOutcome;
  try {
    outcome = await applyPlan(plan, prepared, {
      stateDir: o.stateDir,
      locks: o.locks,
      adapters: o.adapters,
      approve: (env, signal) => approve(env, o, io, signal),
      interrupt: interrupts.signal,
      observer: {
        started: (runId, dir) => {
          io.stderr(`run ${runId} (${dir})\n`);
          events.event('run-started', { runId, dir });
        },
        record: (type, data) => {
          progress.record(type, data);
          events.event(type, data);
          for (const pool of pools.record(type, data)) {
            progress.record('pool', { ...pool });
            events.event('pool', { ...pool });
          }
        },
        idle: () => progress.idle(),
        close: () => progress.close(),
      },
      ...(o.resume !== undefined ? { resume: o.resume } : {}),
      ...(o.known !== undefined ? { known: o.known } : {}),
      ...(o.verifier !== undefined ? { verifier: o.verifier } : {}),
      ...(o.change !== undefined ? { change: o.change } : {}),
      ...(o.notify !== undefined ? { notifier: o.notify.notifier } : {}),
      ...(o.soakMs !== undefined ? { soakMs: o.soakMs } : {}),
    });
  } finally {
    await o.notify?.drain();
    interrupts.dispose();
    // Closed by the run already; again here for a run that failed before it started.
    await progress.close();
  }
  const exitCode = exitCodeOf(outcome);
  const json = { ...runOutcomeJson(outcome, exitCode), ...o.extra };
  printOutcome(io, mode, events, json, () => runOutcomeText(outcome));
  return { exitCode, outcome };
}

function runOutcomeText(outcome: ApplyOutcome): string {
  return (
    renderSummary(outcome.output) +
    soakWarning(outcome.soakOverride) +
    (outcome.sweep === undefined
      ? 'No sweep: the run was interrupted. Plan and roll out again to finish; the hosts done ' +
        'are planned as already current.\n'
      : outcome.sweep.text)
  );
}

/** A run's outcome for programs: `--json`'s document and jsonl's `outcome` event. */
export function runOutcomeJson(outcome: ApplyOutcome, exitCode: number): Record<string, unknown> {
  return {
    ok: exitCode === EXIT.OK,
    exitCode,
    runId: outcome.runId,
    dir: outcome.dir,
    status: outcome.status,
    ...(outcome.soakOverride !== undefined ? { soakOverride: outcome.soakOverride } : {}),
    ...(outcome.output.reason !== undefined ? { reason: outcome.output.reason } : {}),
    environments: outcome.output.environments,
    notStarted: outcome.output.notStarted,
    // No sweep when the run was interrupted: the hosts not started still serve the old one.
    sweep:
      outcome.sweep === undefined
        ? null
        : { clean: outcome.sweep.clean, report: outcome.sweep.text },
  };
}

/** The summary's line when `--soak` replaced a policy's soak: what was not waited for. */
export function soakWarning(over: ApplyOutcome['soakOverride']): string {
  if (over === undefined || over.replaced.length === 0) return '';
  const policies = over.replaced.map((r) => `${r.env} ${formatDuration(r.policyMs)}`).join(', ');
  const instead =
    over.ms === 0
      ? 'no soak and no re-probe after those environments'
      : `a soak of ${formatDuration(over.ms)} after each`;
  return `warning: --soak ${formatDuration(over.ms)} replaced the policy's soak (${policies}): ${instead}\n`;
}

export const exitCodeOf = (outcome: Pick<ApplyOutcome, 'status'>): number =>
  outcome.status === 'succeeded'
    ? EXIT.OK
    : outcome.status === 'interrupted'
      ? EXIT.INTERRUPTED
      : EXIT.FAILED;

async function approve(
  env: string,
  o: Pick<RunCommandOptions, 'yes' | 'approve'>,
  io: CliIo,
  signal: AbortSignal,
): Promise<boolean> {
  if (o.yes || o.approve.includes(env)) return true;
  if (!process.stdin.isTTY) {
    io.stderr(`environment ${env} needs approval: pass --approve ${env} or --yes\n`);
    return false;
  }
  return askYesNo(`Start environment ${env}? [y/N] `, { signal });
}
