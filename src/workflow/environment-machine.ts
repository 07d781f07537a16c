// The environment machine: runs host machines in waves (canary first, then batches), at most
// `concurrency` at once, against one failure budget in which an unreachable host counts as
// failed. A failed canary stops the environment whatever the budget. When the budget is spent it
// starts no more hosts, lets running ones finish, and then halts or also rolls back the hosts it
// completed, as the policy says. It acts on host outputs only. An `interrupt` event (the operator's
// Ctrl-C) starts no more hosts either; the running ones finish, verified or rolled back, and an
// interrupt alone never rolls the environment back.
import { and, assign, enqueueActions, fromPromise, setup, stopChild } from 'xstate';
import { createHostMachine, hostMachine } from './host-machine.js';
import { planWaves, type Wave } from './waves.js';
import {
  type EnvironmentOutput,
  type EnvironmentRef,
  type EnvironmentSteps,
  type HostOutput,
  type HostSteps,
} from './types.js';

export interface EnvironmentContext {
  readonly env: EnvironmentRef;
  readonly waves: readonly Wave[];
  readonly waveIndex: number;
  readonly queue: readonly string[];
  readonly running: readonly string[];
  readonly results: Readonly<Record<string, HostOutput>>;
  readonly failures: number;
  readonly stopReason?: string;
  /** Verified hosts still to roll back when the policy is rollback-environment. */
  readonly undoQueue: readonly string[];
  /** The operator interrupted the run: no more hosts start (absent in older snapshots). */
  readonly interrupted?: boolean;
}

/** Stopped starting hosts: by its policy (a failure) or by an interrupt. */
const stoppedStarting = (c: EnvironmentContext): boolean =>
  c.stopReason !== undefined || c.interrupted === true;

/** An environment's waves: canary hosts, then batches (a pure function of hosts and policy). */
export const wavesOf = (env: EnvironmentRef): Wave[] =>
  planWaves(
    env.hosts.map((h) => h.name),
    env,
  );

// Child ids are `host.<name>` so that `xstate.done.actor.host.*` matches them (a wildcard must follow a dot).
const CHILD = 'host.';
const DONE = `xstate.done.actor.${CHILD}`;
const ERROR = `xstate.error.actor.${CHILD}`;

const isFailure = (output: HostOutput): boolean => output.status !== 'verified';

export const environmentMachine = setup({
  types: {
    context: {} as EnvironmentContext,
    input: {} as EnvironmentRef,
    output: {} as EnvironmentOutput,
  },
  actors: {
    host: hostMachine,
    rollbackHost: fromPromise<HostOutput, { host: string; output: HostOutput }>(() =>
      Promise.reject(new Error('environment step rollbackHost was not provided')),
    ),
  },
  guards: {
    waveFinished: ({ context }) =>
      context.running.length === 0 && (context.queue.length === 0 || stoppedStarting(context)),
    stopped: ({ context }) => stoppedStarting(context),
    moreWaves: ({ context }) => context.waveIndex + 1 < context.waves.length,
    shouldUndoEnvironment: ({ context }) =>
      context.env.onFailure === 'rollback-environment' &&
      context.stopReason !== undefined &&
      context.undoQueue.length > 0,
    undoQueueEmpty: ({ context }) => context.undoQueue.length === 0,
  },
  actions: {
    fillSlots: enqueueActions(({ context, enqueue }) => {
      if (stoppedStarting(context)) return;
      const free = Math.max(1, context.env.concurrency) - context.running.length;
      const starting = context.queue.slice(0, Math.max(0, free));
      for (const name of starting) {
        const found = context.env.hosts.find((h) => h.name === name) ?? { name, bindings: [] };
        const ref = {
          ...found,
          coldStart: context.env.coldStartCheck === true,
          ...(context.env.undo === 'unit' ? { undo: 'unit' as const } : {}),
        };
        enqueue.spawnChild('host', { id: `${CHILD}${name}`, input: ref });
      }
      enqueue.assign({
        queue: context.queue.slice(starting.length),
        running: [...context.running, ...starting],
      });
    }),
    recordHost: assign(({ context, event }) => {
      const { host, output } = hostResult(event);
      const failed = isFailure(output);
      const failures = context.failures + (failed ? 1 : 0);
      const wave = context.waves[context.waveIndex];
      let stopReason = context.stopReason;
      if (failed && stopReason === undefined) {
        if (wave?.canary === true) stopReason = `canary host ${host} ended ${output.status}`;
        else if (failures > context.env.failureBudget) {
          stopReason = `failure budget of ${context.env.failureBudget} exceeded (${failures} hosts failed, last ${host}: ${output.status})`;
        }
      }
      return {
        running: context.running.filter((h) => h !== host),
        results: { ...context.results, [host]: output },
        failures,
        ...(stopReason !== undefined ? { stopReason } : {}),
      };
    }),
    // A finished host lives on in `results`; its actor would stay among the children and in
    // every snapshot written after it (the snapshot would grow with the fleet at every step).
    forgetHost: stopChild(({ event }) => `${CHILD}${hostResult(event).host}`),
    nextWave: assign(({ context }) => ({
      waveIndex: context.waveIndex + 1,
      queue: context.waves[context.waveIndex + 1]?.hosts ?? [],
    })),
    // Every host with a verified binding: with undo `unit`, a failed host keeps the units it
    // proved before the failure, and rolling the environment back must restore those too.
    planUndo: assign(({ context }) => ({
      undoQueue: Object.values(context.results)
        .filter((o) => Object.values(o.bindings).some((b) => b.status === 'verified'))
        .map((o) => o.host)
        .reverse(),
    })),
  },
}).createMachine({
  id: 'environment',
  on: { interrupt: { actions: assign({ interrupted: true }) } },
  context: ({ input }) => {
    const waves = wavesOf(input);
    return {
      env: input,
      waves,
      waveIndex: 0,
      queue: waves[0]?.hosts ?? [],
      running: [],
      results: {},
      failures: 0,
      undoQueue: [],
    };
  },
  initial: 'wave',
  states: {
    wave: {
      entry: 'fillSlots',
      on: {
        [`${DONE}*`]: { actions: ['recordHost', 'forgetHost', 'fillSlots'] },
        [`${ERROR}*`]: { actions: ['recordHost', 'forgetHost', 'fillSlots'] },
      },
      always: [
        { guard: and(['waveFinished', 'stopped']), target: 'afterWaves' },
        {
          guard: and(['waveFinished', 'moreWaves']),
          target: 'wave',
          reenter: true,
          actions: 'nextWave',
        },
        { guard: 'waveFinished', target: 'afterWaves' },
      ],
    },
    afterWaves: {
      entry: 'planUndo',
      always: [{ guard: 'shouldUndoEnvironment', target: 'undoing' }, { target: 'done' }],
    },
    undoing: {
      always: { guard: 'undoQueueEmpty', target: 'done' },
      invoke: {
        src: 'rollbackHost',
        input: ({ context }) => {
          const host = context.undoQueue[0] ?? '';
          return { host, output: context.results[host] as HostOutput };
        },
        onDone: {
          target: 'undoing',
          reenter: true,
          actions: assign(({ context, event }) => ({
            results: { ...context.results, [event.output.host]: event.output },
            undoQueue: context.undoQueue.slice(1),
          })),
        },
        onError: {
          target: 'undoing',
          reenter: true,
          actions: assign(({ context, event }) => {
            const host = context.undoQueue[0] ?? '';
            const previous = context.results[host];
            const message =
              event.error instanceof Error ? event.error.message : String(event.error);
            const output: HostOutput = {
              host,
              status: 'needs-attention',
              bindings: previous?.bindings ?? {},
              error: { code: 'INTERNAL', message: `environment rollback failed: ${message}` },
            };
            return {
              results: { ...context.results, [host]: output },
              undoQueue: context.undoQueue.slice(1),
            };
          }),
        },
      },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => environmentOutput(context),
});

function hostResult(event: { type: string; output?: unknown; error?: unknown }): {
  host: string;
  output: HostOutput;
} {
  if (event.type.startsWith(DONE)) {
    return { host: event.type.slice(DONE.length), output: event.output as HostOutput };
  }
  // A host machine never throws by design; if one does, it is a bug, reported as needing attention.
  const host = event.type.slice(ERROR.length);
  const message = event.error instanceof Error ? event.error.message : String(event.error);
  return {
    host,
    output: { host, status: 'needs-attention', bindings: {}, error: { code: 'INTERNAL', message } },
  };
}

export function environmentOutput(context: EnvironmentContext): EnvironmentOutput {
  const started = new Set(Object.keys(context.results));
  const notStarted = context.env.hosts.map((h) => h.name).filter((h) => !started.has(h));
  // Failures within the budget do not stop the environment: it succeeds, with its failures
  // counted (the run as a whole still exits non-zero unless every binding was verified).
  const stopped = context.stopReason !== undefined;
  // Interrupted only when the interrupt kept a host from starting: with none left, it succeeded.
  const interrupted = !stopped && context.interrupted === true && notStarted.length > 0;
  const status = stopped
    ? context.env.onFailure === 'rollback-environment'
      ? 'rolled-back'
      : 'failed'
    : interrupted
      ? 'interrupted'
      : 'succeeded';
  const reason =
    context.stopReason ??
    (interrupted
      ? `interrupted by the operator; ${notStarted.length} host(s) not started`
      : undefined);
  return {
    env: context.env.name,
    status,
    hosts: context.results,
    notStarted,
    failures: context.failures,
    ...(reason !== undefined ? { reason } : {}),
  };
}

export function createEnvironmentMachine(steps: HostSteps & EnvironmentSteps) {
  return environmentMachine.provide({
    actors: {
      host: createHostMachine(steps),
      rollbackHost: fromPromise(({ input, signal }) => steps.rollbackHost(input, signal)),
    },
  });
}
