// Runs a rollout machine to its end, persisting the whole actor system's snapshot (children
// included) atomically whenever any actor in it changes, so `certroll resume` can restore it after
// a crash. A restored machine restarts the step that was running: steps are idempotent or check
// before they act (invariant 4), which is what makes this safe.
import { createActor, toPromise, type Snapshot } from 'xstate';
import { createRolloutMachine } from './rollout-machine.js';
import { type AllSteps } from './journaled.js';
import { type RolloutOutput, type RolloutRef } from './types.js';

export interface RunRolloutOptions {
  readonly ref: RolloutRef;
  readonly steps: AllSteps;
  /** Called with the persisted snapshot's JSON whenever it changed; must write it durably. */
  readonly persist: (json: string) => void;
  /** A snapshot from a previous, interrupted run of the same ref. */
  readonly restore?: unknown;
  readonly signal?: AbortSignal;
}

export async function runRollout(options: RunRolloutOptions): Promise<RolloutOutput> {
  const machine = createRolloutMachine(options.steps);
  let last = '';
  let scheduled = false;
  const actor = createActor(machine, {
    input: options.ref,
    ...(options.restore !== undefined ? { snapshot: options.restore as Snapshot<unknown> } : {}),
    inspect: (event) => {
      if (event.type !== '@xstate.snapshot' || scheduled) return;
      // Persist after the current macrostep, when the root snapshot includes the change.
      scheduled = true;
      queueMicrotask(() => {
        scheduled = false;
        save();
      });
    },
  });
  const save = () => {
    const json = JSON.stringify(actor.getPersistedSnapshot());
    if (json !== last) {
      options.persist(json);
      last = json;
    }
  };
  const abort = () => actor.stop();
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    actor.start();
    const output = await toPromise(actor);
    save();
    return output;
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
}
