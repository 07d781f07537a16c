// The host machine: connect, take the host lock, capture every unit, stage, then for each unit
// bind and verify every binding in it. A unit is the bindings one set of steps changes together
// (four ports of one nginx served from one pair of files: one bind, one reload, four proofs; see
// src/plan/units.ts); outcomes stay per binding. On any failure it undoes what it touched,
// newest first, proving each undo with a probe (saga); with policy undo `unit`, a proven unit
// leaves the undo stack, so a failure undoes only the unit that failed, and the host stops there
// (docs/rollout.md). It always ends in `done` with a typed output; policy above acts on
// that output, never on exceptions. Steps are actors referenced by name and provided from
// injected implementations (createHostMachine), so tests run it with fake steps. What the states
// name (steps, guards, actions) is defined in host-setup.ts.
import { fromPromise } from 'xstate';
import {
  current,
  hostOutput,
  lockInput,
  stageInput,
  stepInput,
  top,
  unitsOf,
} from './host-context.js';
import { hostSetup } from './host-setup.js';
import { type HostSteps } from './types.js';

/** The states; the guards and actions they name are in host-setup.ts. */
export const hostMachine = hostSetup.createMachine({
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
        onError: { target: 'releasing', actions: ['recordError', 'markUnreachable'] },
      },
    },
    locking: {
      invoke: {
        src: 'lockHost',
        input: ({ context }) => lockInput(context),
        onDone: { target: 'capturing', actions: 'markLocked' },
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
        onDone: { target: 'capturing', reenter: true, actions: 'keepCapture' },
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
            onDone: { target: 'bind', actions: 'markDrained' },
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
            onDone: { target: 'next', actions: ['markReturned', 'markVerified'] },
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
              { guard: 'provenWarm', target: 'proven', actions: 'keepProof' },
              // Cold-start check: a binding that works only until the next restart is caught here.
              { guard: 'proven', target: 'restart' },
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
              { guard: 'proven', target: 'proven', actions: 'keepProof' },
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
            onError: { target: 'verifyRollback', actions: 'keepUndoFailure' },
          },
        },
        verifyRollback: {
          invoke: {
            src: 'verifyRollback',
            input: ({ context }) => stepInput(context, top(context)),
            onDone: [
              // Proven on its previous certificate: a drained member may go back now.
              { guard: 'undoneAndDrained', target: 'returnUndone', actions: 'popUndoneToReturn' },
              { target: 'next', actions: 'popUndone' },
            ],
            onError: { target: 'next', actions: 'popUnproven' },
          },
        },
        returnUndone: {
          invoke: {
            src: 'returnToPool',
            input: ({ context }) => stepInput(context, context.returning ?? ''),
            onDone: { target: 'next', actions: 'markReturnedUndone' },
            // Proven on the previous certificate but still out of the pool: someone must look.
            onError: { target: 'next', actions: 'markStillDrained' },
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
        onError: { target: 'releasing', actions: ['markCleanupFailed', 'recordError'] },
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
