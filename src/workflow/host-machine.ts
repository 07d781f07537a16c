// The host machine: connect, take the host lock, capture every unit, stage, then for each unit
// bind and verify every binding in it. A unit is the bindings one set of steps changes together
// (four ports of one nginx served from one pair of files: one bind, one reload, four proofs; see
// src/plan/units.ts); outcomes stay per binding. On any failure it undoes what it touched,
// newest first, proving each undo with a probe (saga); with policy undo `unit`, a proven unit
// leaves the undo stack, so a failure undoes only the unit that failed, and the host stops there
// (docs/rollout.md). It always ends in `done` with a typed output; policy above acts on
// that output, never on exceptions. Steps are actors referenced by name and provided from
// injected implementations (createHostMachine), so tests run it with fake steps.
import { assign, fromPromise, setup } from 'xstate';
import { toCertrollError, type CertrollErrorJson } from '../errors.js';
import {
  current,
  hostOutput,
  isDrained,
  needsDrain,
  withDrained,
  membersOf,
  popWith,
  pushUndo,
  stageInput,
  stepInput,
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
  type HostSteps,
  type StageInput,
  type VerifyResult,
} from './types.js';

const pending = <I, O>(name: string) =>
  fromPromise<O, I>(() => Promise.reject(new Error(`host step ${name} was not provided`)));

const errorJson = (error: unknown): CertrollErrorJson => toCertrollError(error).toJSON();

export const hostMachine = setup({
  types: {
    context: {} as HostContext,
    input: {} as HostRef,
    output: {} as HostOutput,
  },
  actors: {
    connect: pending<HostStepInput, void>('connect'),
    lockHost: pending<HostStepInput, void>('lockHost'),
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
  },
}).createMachine({
  id: 'host',
  context: ({ input }) => ({
    host: input.name,
    bindings: input.bindings,
    units: input.units ?? input.bindings.map((b) => [b]),
    captureIndex: 0,
    index: 0,
    captured: {},
    undo: [],
    touched: false,
    locked: false,
    outcomes: {},
    unreachable: false,
    cleanupFailed: false,
    coldStart: input.coldStart === true,
    ...(input.undo === 'unit' ? { undoScope: 'unit' as const } : {}),
    drain: input.drain ?? [],
    drained: [],
    ...(input.undoLast !== undefined && input.undoLast.length > 0
      ? { undoLast: input.undoLast }
      : {}),
  }),
  initial: 'connecting',
  states: {
    connecting: {
      invoke: {
        src: 'connect',
        input: ({ context }) => ({ host: context.host }),
        onDone: 'locking',
        onError: { target: 'releasing', actions: ['recordError', assign({ unreachable: true })] },
      },
    },
    locking: {
      invoke: {
        src: 'lockHost',
        input: ({ context }) => ({ host: context.host }),
        onDone: { target: 'capturing', actions: assign({ locked: true }) },
        onError: { target: 'releasing', actions: 'recordError' },
      },
    },
    capturing: {
      always: { guard: 'allCaptured', target: 'staging' },
      invoke: {
        src: 'capture',
        input: ({ context }) => {
          const unit = unitsOf(context)[context.captureIndex] ?? [];
          return {
            host: context.host,
            binding: unit[0] ?? '',
            ...(unit.length > 1 ? { bindings: unit } : {}),
          };
        },
        onDone: {
          target: 'capturing',
          reenter: true,
          actions: assign(({ context, event }) => withCapture(context, event.output)),
        },
        onError: { target: 'releasing', actions: 'recordError' },
      },
    },
    staging: {
      always: { guard: 'nothingToDo', target: 'binding' },
      invoke: {
        src: 'stage',
        input: ({ context }) => stageInput(context),
        onDone: 'binding',
        onError: { target: 'cleaningUp', actions: 'recordError' },
      },
    },
    binding: {
      initial: 'next',
      states: {
        next: {
          always: [
            { guard: 'allBound', target: '#host.cleaningUp' },
            { guard: 'currentIsCurrent', target: 'next', reenter: true, actions: 'skipCurrent' },
            { guard: 'currentNeedsDrain', target: 'drain' },
            { target: 'bind' },
          ],
        },
        // A pool member leaves its balancer before anything changes on it (restart included).
        drain: {
          invoke: {
            src: 'drain',
            input: ({ context }) => stepInput(context, current(context)),
            onDone: {
              target: 'bind',
              actions: assign({
                drained: ({ context }) => withDrained(context, current(context), true),
              }),
            },
            // Not bound yet: the member is unchanged (the step put it back if it had drained it).
            onError: { target: '#host.undoing', actions: 'recordError' },
          },
        },
        proven: {
          always: [
            { guard: 'currentDrained', target: 'return' },
            { target: 'next', actions: 'markVerified' },
          ],
        },
        // Only a proven member goes back into the pool.
        return: {
          invoke: {
            src: 'returnToPool',
            input: ({ context }) => stepInput(context, current(context)),
            onDone: {
              target: 'next',
              actions: [
                assign({ drained: ({ context }) => withDrained(context, current(context), false) }),
                'markVerified',
              ],
            },
            onError: { target: '#host.undoing', actions: 'recordError' },
          },
        },
        bind: {
          entry: 'markTouched',
          invoke: {
            src: 'bind',
            input: ({ context }) => stepInput(context, current(context)),
            onDone: 'verify',
            onError: { target: '#host.undoing', actions: 'recordError' },
          },
        },
        verify: {
          invoke: {
            src: 'verify',
            input: ({ context }) => stepInput(context, current(context)),
            onDone: [
              {
                guard: ({ event, context }) => event.output.ok && !context.coldStart,
                target: 'proven',
                actions: 'keepProof',
              },
              // Cold-start check: a binding that works only until the next restart is caught here.
              { guard: ({ event }) => event.output.ok, target: 'restart' },
              {
                target: '#host.undoing',
                actions: { type: 'recordVerifyFailure', params: { when: '' } },
              },
            ],
            onError: { target: '#host.undoing', actions: 'recordError' },
          },
        },
        restart: {
          invoke: {
            src: 'restart',
            input: ({ context }) => stepInput(context, current(context)),
            onDone: 'reverify',
            onError: { target: '#host.undoing', actions: 'recordError' },
          },
        },
        reverify: {
          invoke: {
            src: 'verify',
            input: ({ context }) => stepInput(context, current(context)),
            onDone: [
              { guard: ({ event }) => event.output.ok, target: 'proven', actions: 'keepProof' },
              {
                target: '#host.undoing',
                actions: {
                  type: 'recordVerifyFailure',
                  params: { when: ' after a restart (cold-start check)' },
                },
              },
            ],
            onError: { target: '#host.undoing', actions: 'recordError' },
          },
        },
      },
    },
    undoing: {
      initial: 'next',
      states: {
        next: {
          always: [{ guard: 'nothingToUndo', target: '#host.cleaningUp' }, { target: 'rollback' }],
        },
        rollback: {
          invoke: {
            src: 'rollback',
            input: ({ context }) => stepInput(context, top(context)),
            onDone: 'verifyRollback',
            // A failed rollback command is not the verdict: the probe that follows is.
            onError: {
              target: 'verifyRollback',
              actions: assign({ undoFailure: ({ event }) => errorJson(event.error).message }),
            },
          },
        },
        verifyRollback: {
          invoke: {
            src: 'verifyRollback',
            input: ({ context }) => stepInput(context, top(context)),
            onDone: [
              {
                // Proven on its previous certificate: a drained member may go back now.
                guard: ({ context, event }) => event.output.ok && isDrained(context, top(context)),
                target: 'returnUndone',
                actions: assign(({ context, event }) => ({
                  returning: top(context),
                  ...popWith(context, (r) => rollbackOutcome(r, context.undoFailure), event.output),
                })),
              },
              {
                target: 'next',
                actions: assign(({ context, event }) =>
                  popWith(context, (r) => rollbackOutcome(r, context.undoFailure), event.output),
                ),
              },
            ],
            onError: {
              target: 'next',
              actions: assign(({ context, event }) =>
                popWith(
                  context,
                  rollbackOutcome(undefined, context.undoFailure, errorJson(event.error).message),
                ),
              ),
            },
          },
        },
        returnUndone: {
          invoke: {
            src: 'returnToPool',
            input: ({ context }) => stepInput(context, context.returning ?? ''),
            onDone: {
              target: 'next',
              actions: assign(({ context }) => ({
                drained: withDrained(context, context.returning ?? '', false),
                returning: undefined,
              })),
            },
            // Proven on the previous certificate but still out of the pool: someone must look.
            onError: {
              target: 'next',
              actions: assign(({ context, event }) => ({
                outcomes: withOutcomes(context, context.returning ?? '', () => ({
                  status: 'needs-attention',
                  reason: `rolled back and proven on the previous certificate, but still drained: ${errorJson(event.error).message}`,
                })),
                returning: undefined,
              })),
            },
          },
        },
      },
    },
    cleaningUp: {
      // Runs after success and after failure: remote copies of key material must not remain.
      invoke: {
        src: 'cleanup',
        input: ({ context }) => ({ host: context.host }),
        onDone: 'releasing',
        onError: { target: 'releasing', actions: [assign({ cleanupFailed: true }), 'recordError'] },
      },
    },
    releasing: {
      invoke: {
        src: 'release',
        input: ({ context }) => ({ host: context.host, locked: context.locked }),
        onDone: 'done',
        // A lock that cannot be removed is reported; it never changes a binding's outcome.
        onError: { target: 'done', actions: 'recordError' },
      },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => hostOutput(context),
});

/** The host machine with its steps provided by `steps` (real adapters, or fakes in tests). */
export function createHostMachine(steps: HostSteps) {
  return hostMachine.provide({
    actors: {
      connect: fromPromise(({ input, signal }) => steps.connect(input, signal)),
      lockHost: fromPromise(({ input, signal }) => steps.lockHost(input, signal)),
      capture: fromPromise(({ input, signal }) => steps.capture(input, signal)),
      stage: fromPromise(({ input, signal }) => steps.stage(input, signal)),
      bind: fromPromise(({ input, signal }) => steps.bind(input, signal)),
      verify: fromPromise(({ input, signal }) => steps.verify(input, signal)),
      rollback: fromPromise(({ input, signal }) => steps.rollback(input, signal)),
      verifyRollback: fromPromise(({ input, signal }) => steps.verifyRollback(input, signal)),
      restart: fromPromise(({ input, signal }) => steps.restart(input, signal)),
      drain: fromPromise(({ input, signal }) => steps.drain(input, signal)),
      returnToPool: fromPromise(({ input, signal }) => steps.returnToPool(input, signal)),
      cleanup: fromPromise(({ input, signal }) => steps.cleanup(input, signal)),
      release: fromPromise(({ input, signal }) => steps.release(input, signal)),
    },
  });
}
