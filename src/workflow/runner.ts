// Runs a rollout machine to its end, telling a snapshot sink whenever any actor of the system
// changed, so `certroll resume` can restore the whole actor system (children included) after a
// crash. The sink serialises the snapshot only when it must be saved: at the barrier every step
// awaits before it acts (journaled.ts, journal/run-recorder.ts), and at the end. A restored
// machine restarts the step that was running: steps are idempotent or check before they act
// (invariant 4), which is what makes this safe. The snapshots saved while the run goes are slim
// (persisted.ts): what never changes again is in the journal, once.
import { createActor, toPromise, type Snapshot } from 'xstate';
import { createRolloutMachine } from './rollout-machine.js';
import { type AllSteps } from './journaled.js';
import { SnapshotCodec, withoutInterrupt, type OnceRecord } from './persisted.js';
import { type EnvironmentOutput, type RolloutOutput, type RolloutRef } from './types.js';

/** A slim snapshot and the journal records it names, which must be written (and durable) first. */
export interface SlimSnapshot {
  readonly snapshot: unknown;
  readonly records: readonly OnceRecord[];
}

export interface SnapshotSink {
  /** The actor system changed; `read()` returns its slim snapshot (JSON-safe). */
  changed(read: () => SlimSnapshot): void;
  /** The run ended: save its last snapshot durably before returning. */
  final(snapshot: unknown): void;
}

export interface RunRolloutOptions {
  readonly ref: RolloutRef;
  readonly steps: AllSteps;
  readonly snapshots: SnapshotSink;
  /** A previous, interrupted run of the same ref: its last snapshot and its journal's records. */
  readonly restore?: {
    readonly snapshot: unknown;
    readonly journal: readonly { type: string; data: Record<string, unknown> }[];
  };
  readonly signal?: AbortSignal;
  /**
   * The operator's interrupt: no new host or environment starts, the hosts under way finish.
   * (`signal` stops the machines at once instead, leaving the run to `certroll resume`.)
   */
  readonly interrupt?: AbortSignal;
  /** Called once per environment as it ends (notifications); must not throw. */
  readonly onEnvironmentDone?: (output: EnvironmentOutput) => void;
}

export async function runRollout(options: RunRolloutOptions): Promise<RolloutOutput> {
  const machine = createRolloutMachine(options.steps);
  const codec = new SnapshotCodec();
  const restored =
    options.restore !== undefined
      ? withoutInterrupt(codec.fatten(options.restore.snapshot, options.restore.journal))
      : undefined;
  const read = () => codec.slim(actor.getPersistedSnapshot());
  // The rollout's context collects each environment's output as it ends: tell the new ones.
  let told =
    (restored as { context?: { results?: unknown[] } } | undefined)?.context?.results?.length ?? 0;
  const environmentsDone = (snapshot: unknown) => {
    const results = (snapshot as { context?: { results?: readonly EnvironmentOutput[] } }).context
      ?.results;
    if (options.onEnvironmentDone === undefined || results === undefined) return;
    for (; told < results.length; told++) options.onEnvironmentDone(results[told]!);
  };
  const actor = createActor(machine, {
    input: options.ref,
    ...(restored !== undefined ? { snapshot: restored as Snapshot<unknown> } : {}),
    inspect: (event) => {
      if (event.type !== '@xstate.snapshot') return;
      options.snapshots.changed(read);
      if (event.actorRef === actor) environmentsDone(event.snapshot);
    },
  });
  const abort = () => actor.stop();
  const interrupt = () => actor.send({ type: 'interrupt' });
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    actor.start();
    if (options.interrupt?.aborted === true) interrupt();
    else options.interrupt?.addEventListener('abort', interrupt, { once: true });
    const output = await toPromise(actor);
    options.snapshots.final(actor.getPersistedSnapshot());
    return output;
  } finally {
    options.signal?.removeEventListener('abort', abort);
    options.interrupt?.removeEventListener('abort', interrupt);
  }
}
