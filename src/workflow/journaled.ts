// Invariant 4: every step is written to the journal (fsync) before and after it runs. This
// wrapper does it for every step of a rollout, so no step implementation can forget; a
// `step-started` without its `step-finished` is what resume treats as uncertain. With a sink that
// groups fsyncs (journal/run-recorder.ts), the step waits at `durable()` until its record (and
// the run's snapshot) is on disk, before it acts and before its result moves the machine on.
import { toCertrollError } from '../errors.js';
import { type RunRecordSink, type StepSummary, type StepWhere } from './records.js';
import { type EnvironmentSteps, type HostSteps, type RolloutSteps } from './types.js';

export type AllSteps = HostSteps & EnvironmentSteps & RolloutSteps;

/** The part of a Journal the wrapper needs. */
export interface JournalSink extends RunRecordSink {
  /**
   * Resolves when everything appended so far is on disk; absent when `append` already is.
   * `records` only: after a step, the journal alone must be durable (the state its result leads
   * to is saved at the next step's barrier, before anything acts on it).
   */
  durable?(what?: 'all' | 'records'): Promise<void>;
}

const STEP_NAMES = [
  'connect',
  'lockHost',
  'capture',
  'stage',
  'bind',
  'verify',
  'rollback',
  'verifyRollback',
  'restart',
  'drain',
  'returnToPool',
  'cleanup',
  'release',
  'rollbackHost',
  'approve',
  'soak',
  'poolCheck',
] as const satisfies readonly (keyof AllSteps)[];

// Steps that change nothing anywhere: before them only the journal must be durable. A crash in one
// resumes from the snapshot saved at the last step that acts (lock, stage, bind ...), which is
// then run again (it is idempotent); a capture is never run again after a bind, because the
// bind's own barrier saved the state after the capture.
const READ_ONLY: ReadonlySet<keyof AllSteps> = new Set([
  'connect',
  'capture',
  'verify',
  'verifyRollback',
  'approve',
  'soak',
]);

/** Fields of a step's input that identify it in the journal (never secrets or captured state). */
function where(input: unknown): Omit<StepWhere, 'step'> {
  const i = input as { host?: unknown; binding?: unknown; env?: unknown };
  return {
    ...(typeof i.env === 'string' ? { env: i.env } : {}),
    ...(typeof i.host === 'string' ? { host: i.host } : {}),
    ...(typeof i.binding === 'string' ? { binding: i.binding } : {}),
  };
}

/** A small, secret-free summary of a step's result for the journal. */
function summary(result: unknown): StepSummary {
  if (result === undefined || result === null || typeof result !== 'object') {
    return result === undefined ? {} : { result };
  }
  const r = result as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of ['ok', 'observed', 'reason', 'alreadyCurrent', 'status']) {
    if (key in r) out[key] = r[key];
  }
  return out;
}

export function journaled(steps: AllSteps, journal: JournalSink): AllSteps {
  const wrapped: Partial<Record<keyof AllSteps, unknown>> = {};
  for (const name of STEP_NAMES) {
    const step = (input: unknown, signal: AbortSignal): Promise<unknown> =>
      (steps[name] as (this: AllSteps, i: unknown, s: AbortSignal) => Promise<unknown>).call(
        steps,
        input,
        signal,
      );
    wrapped[name] = async (input: unknown, signal: AbortSignal) => {
      const at = where(input);
      journal.append('step-started', { step: name, ...at });
      await journal.durable?.(READ_ONLY.has(name) ? 'records' : 'all');
      let result: unknown;
      try {
        result = await step(input, signal);
      } catch (error) {
        journal.append('step-failed', {
          step: name,
          ...at,
          error: toCertrollError(error).toJSON(),
        });
        await journal.durable?.('records');
        throw error;
      }
      journal.append('step-finished', { step: name, ...at, ...summary(result) });
      await journal.durable?.('records');
      return result;
    };
  }
  return wrapped as AllSteps;
}
