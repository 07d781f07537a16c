// Runs a rollout machine to its end, telling a snapshot sink whenever any actor of the system
// changed, so `certroll resume` can restore the whole actor system (children included) after a
// crash. The sink serialises the snapshot only when it must be saved: at the barrier every step
// awaits before it acts (journaled.ts, journal/run-recorder.ts), and at the end. A restored
// machine restarts the step that was running: steps are idempotent or check before they act
// (invariant 4), which is what makes this safe.
import { createActor, toPromise, type Snapshot } from 'xstate';
import { createRolloutMachine } from './rollout-machine.js';
import { type AllSteps } from './journaled.js';
import { type RolloutOutput, type RolloutRef } from './types.js';

export interface SnapshotSink {
  /** The actor system changed; `read()` returns its persisted snapshot (JSON-safe). */
  changed(read: () => unknown): void;
  /** The run ended: save its last snapshot durably before returning. */
  final(snapshot: unknown): void;
}

export interface RunRolloutOptions {
  readonly ref: RolloutRef;
  readonly steps: AllSteps;
  readonly snapshots: SnapshotSink;
  /** A snapshot from a previous, interrupted run of the same ref. */
  readonly restore?: unknown;
  readonly signal?: AbortSignal;
}

export async function runRollout(options: RunRolloutOptions): Promise<RolloutOutput> {
  const machine = createRolloutMachine(options.steps);
  const read = () => actor.getPersistedSnapshot();
  const actor = createActor(machine, {
    input: options.ref,
    ...(options.restore !== undefined ? { snapshot: options.restore as Snapshot<unknown> } : {}),
    inspect: (event) => {
      if (event.type === '@xstate.snapshot') options.snapshots.changed(read);
    },
  });
  const abort = () => actor.stop();
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    actor.start();
    const output = await toPromise(actor);
    options.snapshots.final(actor.getPersistedSnapshot());
    return output;
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
}
