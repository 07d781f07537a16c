// What the host machine (host-machine.ts) is made of: its step actors, referenced by name and
// provided from injected implementations (createHostMachine), its guards over the context, and
// its named actions, each one change of the context (host-context.ts). The states and their
// order stay in host-machine.ts, readable in one place.
import { assign, fromPromise, setup } from 'xstate';
import { toCertrollError, type CertrollErrorJson } from '../errors.js';
import {
  current,
  isDrained,
  needsDrain,
  withDrained,
  membersOf,
  popWith,
  pushUndo,
  top,
  unitIsCurrent,
  unitsOf,
  withCapture,
  withOutcomes,
  type HostContext,
} from './host-context.js';
import { REASON, rollbackOutcome, verifiedOutcome } from './outcome.js';
import {
  type BindingStepInput,
  type CaptureInput,
  type CaptureResult,
  type HostOutput,
  type HostRef,
  type HostStepInput,
  type LockInput,
  type StageInput,
  type VerifyResult,
} from './types.js';

const pending = <I, O>(name: string) =>
  fromPromise<O, I>(() => Promise.reject(new Error(`host step ${name} was not provided`)));

const errorJson = (error: unknown): CertrollErrorJson => toCertrollError(error).toJSON();

// Named actions and guards see the machine's events untyped; these read a step's done or error event.
const outputOf = <O>(event: unknown): O => (event as { output: O }).output;
const failureOf = (event: unknown): string =>
  errorJson((event as { error: unknown }).error).message;

/** The host machine's steps (actors, by name), guards and named actions; the states are in host-machine.ts. */
export const hostSetup = setup({
  types: {
    context: {} as HostContext,
    input: {} as HostRef,
    output: {} as HostOutput,
  },
  actors: {
    connect: pending<HostStepInput, void>('connect'),
    lockHost: pending<LockInput, void>('lockHost'),
    capture: pending<CaptureInput, CaptureResult>('capture'),
    stage: pending<StageInput, void>('stage'),
    bind: pending<BindingStepInput, void>('bind'),
    verify: pending<BindingStepInput, VerifyResult>('verify'),
    rollback: pending<BindingStepInput, void>('rollback'),
    verifyRollback: pending<BindingStepInput, VerifyResult>('verifyRollback'),
    restart: pending<BindingStepInput, void>('restart'),
    drain: pending<BindingStepInput, void>('drain'),
    returnToPool: pending<BindingStepInput, void>('returnToPool'),
    cleanup: pending<HostStepInput, void>('cleanup'),
    release: pending<HostStepInput & { locked: boolean }, void>('release'),
  },
  guards: {
    allCaptured: ({ context }) => context.captureIndex >= unitsOf(context).length,
    nothingToDo: ({ context }) =>
      context.bindings.every((b) => context.captured[b]?.alreadyCurrent === true),
    allBound: ({ context }) => context.index >= unitsOf(context).length,
    currentIsCurrent: ({ context }) => unitIsCurrent(context, current(context)),
    nothingToUndo: ({ context }) => context.undo.length === 0,
    currentNeedsDrain: ({ context }) => needsDrain(context, current(context)),
    currentDrained: ({ context }) => isDrained(context, current(context)),
    proven: ({ event }) => outputOf<VerifyResult>(event).ok,
    provenWarm: ({ context, event }) => outputOf<VerifyResult>(event).ok && !context.coldStart,
    // Proven on its previous certificate: a drained member may go back now.
    undoneAndDrained: ({ context, event }) =>
      outputOf<VerifyResult>(event).ok && isDrained(context, top(context)),
  },
  actions: {
    recordError: assign({
      error: ({ event }) => errorJson((event as unknown as { error: unknown }).error),
    }),
    skipCurrent: assign({
      outcomes: ({ context }) =>
        withOutcomes(context, current(context), () => ({
          status: 'skipped',
          reason: REASON.alreadyCurrent,
        })),
      index: ({ context }) => context.index + 1,
    }),
    keepProof: assign({
      proof: ({ event }) => (event as unknown as { output: VerifyResult }).output,
    }),
    markVerified: assign(({ context }) => {
      const output = context.proof ?? { ok: true };
      const outcomes = { ...context.outcomes };
      // Each member keeps its own capture, so an environment rollback can restore it later.
      for (const b of membersOf(context, current(context))) {
        outcomes[b] = verifiedOutcome(output.bindings?.[b] ?? output, context.captured[b]?.state);
      }
      // Undo `unit`: a proven unit is done; a later failure must not undo it.
      const undo =
        context.undoScope === 'unit'
          ? context.undo.filter((leader) => leader !== current(context))
          : context.undo;
      return { outcomes, undo, index: context.index + 1, proof: undefined };
    }),
    recordVerifyFailure: assign(({ context, event }, params: { when: string }) => {
      const output = (event as unknown as { output: VerifyResult }).output;
      return {
        error: {
          code: 'PROBE_FAILED' as const,
          message: `${context.host} ${current(context)}: the new certificate could not be proven${params.when}: ${output.reason ?? 'probe failed'}`,
        },
      };
    }),
    markTouched: assign({
      undo: ({ context }) => pushUndo(context, current(context)),
      touched: true,
    }),
    markUnreachable: assign({ unreachable: true }),
    markLocked: assign({ locked: true }),
    markCleanupFailed: assign({ cleanupFailed: true }),
    keepCapture: assign(({ context, event }) =>
      withCapture(context, outputOf<CaptureResult>(event)),
    ),
    markDrained: assign({ drained: ({ context }) => withDrained(context, current(context), true) }),
    markReturned: assign({
      drained: ({ context }) => withDrained(context, current(context), false),
    }),
    // A failed rollback command is not the verdict: the probe that follows is.
    keepUndoFailure: assign({ undoFailure: ({ event }) => failureOf(event) }),
    popUndone: assign(({ context, event }) =>
      popWith(
        context,
        (r) => rollbackOutcome(r, context.undoFailure),
        outputOf<VerifyResult>(event),
      ),
    ),
    popUndoneToReturn: assign(({ context, event }) => ({
      returning: top(context),
      ...popWith(
        context,
        (r) => rollbackOutcome(r, context.undoFailure),
        outputOf<VerifyResult>(event),
      ),
    })),
    popUnproven: assign(({ context, event }) =>
      popWith(context, rollbackOutcome(undefined, context.undoFailure, failureOf(event))),
    ),
    markReturnedUndone: assign(({ context }) => ({
      drained: withDrained(context, context.returning ?? '', false),
      returning: undefined,
    })),
    // Proven on the previous certificate but still out of the pool: someone must look.
    markStillDrained: assign(({ context, event }) => ({
      outcomes: withOutcomes(context, context.returning ?? '', () => ({
        status: 'needs-attention',
        reason: `rolled back and proven on the previous certificate, but still drained: ${failureOf(event)}`,
      })),
      returning: undefined,
    })),
  },
});
