// The host machine's context and the pure functions over it: which binding is current, what a
// step gets as input, and how the machine's output is derived from the context.
import { type CertrollErrorJson } from '../errors.js';
import {
  type BindingOutcome,
  type BindingStepInput,
  type CaptureResult,
  type HostOutput,
  type HostStatus,
  type StageInput,
  type VerifyResult,
} from './types.js';

export interface HostContext {
  readonly host: string;
  readonly bindings: readonly string[];
  readonly captureIndex: number;
  readonly index: number;
  readonly captured: Readonly<Record<string, CaptureResult>>;
  /** Bindings whose bind step started, in order: what must be undone on failure. */
  readonly undo: readonly string[];
  readonly touched: boolean;
  readonly locked: boolean;
  readonly outcomes: Readonly<Record<string, BindingOutcome>>;
  readonly error?: CertrollErrorJson;
  readonly unreachable: boolean;
  readonly cleanupFailed: boolean;
  /** Restart the service after each verification and verify again (policy coldStartCheck). */
  readonly coldStart: boolean;
}

export const current = (c: HostContext): string => c.bindings[c.index] ?? '';
export const top = (c: HostContext): string => c.undo.at(-1) ?? '';
export const stepInput = (c: HostContext, binding: string): BindingStepInput => ({
  host: c.host,
  binding,
  captured: c.captured[binding]?.state,
});

export function stageInput(c: HostContext): StageInput {
  const bindings = c.bindings
    .filter((b) => c.captured[b]?.alreadyCurrent !== true)
    .map((b) => ({ binding: b, captured: c.captured[b]?.state }));
  return { host: c.host, bindings };
}

export function withObserved(outcome: BindingOutcome, result: VerifyResult): BindingOutcome {
  return result.observed === undefined ? outcome : { ...outcome, observed: result.observed };
}

export function popWith(context: HostContext, outcome: BindingOutcome): Partial<HostContext> {
  const binding = top(context);
  return { undo: context.undo.slice(0, -1), outcomes: { ...context.outcomes, [binding]: outcome } };
}

/** The machine's output: every binding gets an outcome, the host a status derived from them. */
export function hostOutput(context: HostContext): HostOutput {
  const bindings: Record<string, BindingOutcome> = {};
  for (const id of context.bindings) {
    bindings[id] = context.outcomes[id] ?? { status: 'skipped', reason: 'not reached' };
  }
  const statuses = Object.values(bindings).map((b) => b.status);
  let status: HostStatus;
  if (context.unreachable) status = 'unreachable';
  else if (statuses.includes('needs-attention') || context.cleanupFailed)
    status = 'needs-attention';
  else if (!context.touched) status = context.error === undefined ? 'verified' : 'untouched';
  else if (statuses.includes('rolled-back')) status = 'rolled-back';
  else status = context.error === undefined ? 'verified' : 'rolled-back';
  return {
    host: context.host,
    status,
    bindings,
    ...(context.error ? { error: context.error } : {}),
  };
}
