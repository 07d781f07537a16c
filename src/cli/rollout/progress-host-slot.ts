// One host's line in the terminal view (progress-view.ts): its current step while it runs, then
// verified, skipped (nothing to do) or failed with the reason, judged from the journal's records
// as the host machine judges itself (src/workflow/outcome.ts). No listr2 here: the view hands
// each slot the task it draws on.
import { rollbackOutcome } from '../../workflow/outcome.js';

/** What a host task shows; the subset of listr2's task wrapper this view uses. */
export interface TaskHandle {
  title: string | undefined;
  output: string | undefined;
  skip(message?: string): void;
}

export type Outcome =
  | { readonly kind: 'success'; readonly title: string }
  | { readonly kind: 'skip'; readonly title: string }
  | { readonly kind: 'fail'; readonly title: string; readonly reason: string }
  | { readonly kind: 'hidden' };

const DOING: Readonly<Record<string, string>> = {
  connect: 'connect',
  lockHost: 'lock',
  capture: 'capture',
  stage: 'stage',
  bind: 'bind',
  verify: 'verify',
  restart: 'restart',
  drain: 'drain',
  returnToPool: 'return to pool',
  rollback: 'rollback',
  verifyRollback: 'verify rollback',
  cleanup: 'cleanup',
  release: 'release',
};

export function reasonOf(data: Record<string, unknown>, fallback: string): string {
  return typeof data['reason'] === 'string' ? data['reason'] : fallback;
}

export function message(data: Record<string, unknown>): string {
  const error = data['error'] as { message?: unknown } | undefined;
  return typeof error?.message === 'string' ? error.message : 'unknown error';
}

/** One host as its records describe it; `outcome()` mirrors the host machine's own verdict. */
export class HostSlot {
  private task: TaskHandle | undefined;
  private started = false;
  private step = '';
  private touched = false;
  private rolledBack = false;
  private unreachable = false;
  private attention: string | undefined;
  private error: string | undefined;
  private undoFailure: string | undefined;
  private verified = 0;
  private ended: Outcome | undefined;
  private readonly settled: Promise<Outcome>;
  private settle: (o: Outcome) => void = () => undefined;

  constructor(readonly host: string) {
    this.settled = new Promise((resolve) => (this.settle = resolve));
  }

  /** Ended after it started (a host the run never reached is not counted). */
  get finished(): boolean {
    return this.ended !== undefined && this.ended.kind !== 'hidden';
  }

  get failed(): boolean {
    return this.ended?.kind === 'fail';
  }

  /** The listr2 task function: shows the host once it starts, ends when the host does. */
  async run(task: TaskHandle): Promise<void> {
    this.task = task;
    this.paint();
    const outcome = await this.settled;
    if (outcome.kind === 'skip') task.skip(outcome.title);
    if (outcome.kind === 'fail') throw new Error(outcome.reason);
  }

  record(type: string, step: string, data: Record<string, unknown>): void {
    if (this.ended !== undefined) return;
    this.started = true;
    const binding = typeof data['binding'] === 'string' ? ` ${data['binding']}` : '';
    this.step = `${DOING[step] ?? step}${binding}`;
    if (type === 'step-started') {
      if (step === 'bind') this.touched = true;
      if (step === 'rollback') this.touched = true;
    } else if (type === 'step-failed') {
      const why = message(data);
      if (step === 'connect') this.unreachable = true;
      // A failed rollback command is judged by the probe that follows (src/workflow/outcome.ts).
      if (step === 'rollback') this.undoFailure = why;
      else if (step === 'verifyRollback')
        this.attention = rollbackOutcome(undefined, this.undoFailure, why).reason;
      else if (step === 'cleanup') this.attention = `cleanup failed: ${why}`;
      this.error ??= `${step} failed: ${why}`;
    } else if (step === 'verify') {
      if (data['ok'] === true) this.verified += 1;
      else this.error ??= `new certificate not proven: ${reasonOf(data, 'probe failed')}`;
    } else if (step === 'verifyRollback') {
      const verdict = rollbackOutcome(
        { ok: data['ok'] === true, reason: reasonOf(data, 'probe failed') },
        this.undoFailure,
      );
      this.undoFailure = undefined;
      if (verdict.status === 'rolled-back') this.rolledBack = true;
      else this.attention ??= verdict.reason;
    }
    if (step === 'release' && type !== 'step-started') this.end(this.outcome());
    else this.paint();
  }

  outcome(): Outcome {
    const h = this.host;
    const why = this.error ?? 'unknown error';
    if (this.unreachable) return { kind: 'fail', title: `${h}: unreachable`, reason: why };
    if (this.attention !== undefined)
      return { kind: 'fail', title: `${h}: needs attention`, reason: this.attention };
    if (!this.touched)
      return this.error === undefined
        ? { kind: 'skip', title: `${h}: nothing to do (already current)` }
        : { kind: 'fail', title: `${h}: failed, nothing changed`, reason: why };
    if (this.rolledBack || this.error !== undefined)
      return { kind: 'fail', title: `${h}: rolled back`, reason: why };
    return {
      kind: 'success',
      title: `${h}: verified${this.verified > 1 ? ` (${this.verified} bindings)` : ''}`,
    };
  }

  /** Ends the task: with its outcome, or (never started) invisibly, or as interrupted. */
  end(outcome?: Outcome): void {
    if (this.ended !== undefined) return;
    this.ended =
      outcome ??
      (this.started
        ? { kind: 'fail', title: `${this.host}: did not finish`, reason: `stopped at ${this.step}` }
        : { kind: 'hidden' });
    this.paint();
    this.settle(this.ended);
  }

  private paint(): void {
    const task = this.task;
    if (task === undefined || !this.started) return;
    const o = this.ended;
    task.title =
      o === undefined ? `${this.host} · ${this.step}` : o.kind === 'hidden' ? '' : o.title;
  }
}
