// The host machine's context and the pure functions over it: which unit is current, what a step
// gets as input, and how the machine's output is derived from the context. The machine walks
// units (bindings changed together, src/plan/units.ts); outcomes stay per binding.
import { type CertrollErrorJson } from '../errors.js';
import { REASON } from './outcome.js';
import {
  type BindingOutcome,
  type BindingStepInput,
  type CaptureResult,
  type HostOutput,
  type HostStatus,
  type LockInput,
  type StageInput,
  type VerifyResult,
} from './types.js';

export interface HostContext {
  readonly host: string;
  readonly bindings: readonly string[];
  /** The bindings in units; absent in snapshots of older runs (then one unit per binding). */
  readonly units?: readonly (readonly string[])[];
  /** Index into the units. */
  readonly captureIndex: number;
  /** Index into the units. */
  readonly index: number;
  /** Per binding. */
  readonly captured: Readonly<Record<string, CaptureResult>>;
  /** Leaders of the units whose bind step started, in order: what must be undone on failure. */
  readonly undo: readonly string[];
  /** The failure the rollback command of the unit on top of `undo` reported, until its probe judges it. */
  readonly undoFailure?: string;
  readonly touched: boolean;
  readonly locked: boolean;
  readonly outcomes: Readonly<Record<string, BindingOutcome>>;
  readonly error?: CertrollErrorJson;
  readonly unreachable: boolean;
  readonly cleanupFailed: boolean;
  /** Restart the service after each verification and verify again (policy coldStartCheck). */
  readonly coldStart: boolean;
  /** A failure undoes only the failed unit (policy undo: unit); absent in older snapshots: host. */
  readonly undoScope?: 'unit';
  /** Leaders of pool members behind a balancer (absent in older snapshots: none). */
  readonly drain?: readonly string[];
  /** Leaders drained now: each goes back only once proven. */
  readonly drained?: readonly string[];
  /** The proof of the unit being returned to its pool, applied once it is back. */
  readonly proof?: VerifyResult;
  /** The unit undone whose return to its pool is under way. */
  readonly returning?: string;
  /** Leaders undone after every other unit (absent in older snapshots: none). */
  readonly undoLast?: readonly string[];
}

export const unitsOf = (c: HostContext): readonly (readonly string[])[] =>
  c.units ?? c.bindings.map((b) => [b]);
/** The unit whose first binding (leader) is `leader`. */
export const membersOf = (c: HostContext, leader: string): readonly string[] =>
  unitsOf(c).find((u) => u[0] === leader) ?? [leader];
/** Leader of the unit being bound. */
export const current = (c: HostContext): string => unitsOf(c)[c.index]?.[0] ?? '';
/** Leader of the unit to undo next. */
export const top = (c: HostContext): string => c.undo.at(-1) ?? '';
/** The unit `leader` is a pool member behind a balancer. */
export const needsDrain = (c: HostContext, leader: string): boolean =>
  c.drain?.includes(leader) === true;
/** The unit `leader` is out of its pool now. */
export const isDrained = (c: HostContext, leader: string): boolean =>
  c.drained?.includes(leader) === true;
export const withDrained = (c: HostContext, leader: string, out: boolean): readonly string[] =>
  out
    ? [...(c.drained ?? []).filter((b) => b !== leader), leader]
    : (c.drained ?? []).filter((b) => b !== leader);

/** Every member of the unit already serves the new certificate. */
export const unitIsCurrent = (c: HostContext, leader: string): boolean =>
  membersOf(c, leader).every((b) => c.captured[b]?.alreadyCurrent === true);

export function stepInput(c: HostContext, leader: string): BindingStepInput {
  const bindings = membersOf(c, leader);
  return {
    host: c.host,
    binding: leader,
    captured: c.captured[leader]?.state,
    ...(bindings.length > 1
      ? {
          bindings,
          capturedBy: Object.fromEntries(bindings.map((b) => [b, c.captured[b]?.state])),
        }
      : {}),
  };
}

/** The capture of a unit, spread over its members (each member's own, where the step gave it). */
export function withCapture(c: HostContext, result: CaptureResult): Partial<HostContext> {
  const unit = unitsOf(c)[c.captureIndex] ?? [];
  const captured = { ...c.captured };
  for (const b of unit) {
    const own = result.members?.[b] ?? result;
    captured[b] = { alreadyCurrent: own.alreadyCurrent, state: own.state };
  }
  return { captured, captureIndex: c.captureIndex + 1 };
}

/** The lock step's input: the host, and the unit to capture next (see LockInput). */
export function lockInput(c: HostContext): LockInput {
  const leader = unitsOf(c)[c.captureIndex]?.[0];
  return { host: c.host, ...(leader !== undefined ? { capture: leader } : {}) };
}

/** One entry per unit that will change: its leader, with the leader's capture. */
export function stageInput(c: HostContext): StageInput {
  const bindings = unitsOf(c)
    .map((u) => u[0] ?? '')
    .filter((leader) => !unitIsCurrent(c, leader))
    .map((b) => ({ binding: b, captured: c.captured[b]?.state }));
  return { host: c.host, bindings };
}

/** Sets the outcome of every member of the unit `leader`; `result` may hold each member's own. */
export function withOutcomes(
  c: HostContext,
  leader: string,
  outcome: (result: VerifyResult | undefined) => BindingOutcome,
  result?: VerifyResult,
): Readonly<Record<string, BindingOutcome>> {
  const outcomes = { ...c.outcomes };
  for (const b of membersOf(c, leader)) outcomes[b] = outcome(result?.bindings?.[b] ?? result);
  return outcomes;
}

/**
 * Pushes a unit on the undo stack (undone newest first); a unit undone last goes under every other
 * one, above the earlier units undone last (src/plan/units.ts undoOrder).
 */
export function pushUndo(context: HostContext, leader: string): string[] {
  const last = context.undoLast ?? [];
  if (!last.includes(leader)) return [...context.undo, leader];
  const at = context.undo.filter((l) => last.includes(l)).length;
  return [...context.undo.slice(0, at), leader, ...context.undo.slice(at)];
}

/** Pops the unit on top of the undo stack, giving each member its outcome. */
export function popWith(
  context: HostContext,
  outcome: BindingOutcome | ((result: VerifyResult | undefined) => BindingOutcome),
  result?: VerifyResult,
): Partial<HostContext> {
  const of = typeof outcome === 'function' ? outcome : () => outcome;
  return {
    undo: context.undo.slice(0, -1),
    undoFailure: undefined,
    outcomes: withOutcomes(context, top(context), of, result),
  };
}

/** The machine's output: every binding gets an outcome, the host a status derived from them. */
export function hostOutput(context: HostContext): HostOutput {
  const bindings: Record<string, BindingOutcome> = {};
  for (const id of context.bindings) {
    bindings[id] = context.outcomes[id] ?? { status: 'skipped', reason: REASON.notReached };
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
