// The rollout machine: environments in order, each behind an optional approval gate, each
// followed by an optional soak (wait, then probe everything again). A stopped or failed
// environment, a refused approval or a failed soak ends the rollout; later environments are not
// started. Timers live inside the soak actor, not in `after` transitions, so a restored snapshot
// never loses a delay. An `interrupt` event (the operator's Ctrl-C) goes on to the environment
// running (it starts no more hosts, and lets the running ones finish), ends an approval prompt or
// a soak, and starts no further environment.
import { assign, enqueueActions, fromPromise, setup } from 'xstate';
import { createEnvironmentMachine, environmentMachine } from './environment-machine.js';
import {
  type EnvironmentOutput,
  type EnvironmentSteps,
  type HostSteps,
  type RolloutOutput,
  type RolloutRef,
  type RolloutSteps,
  type VerifyResult,
} from './types.js';

export interface RolloutContext {
  readonly ref: RolloutRef;
  readonly index: number;
  readonly results: readonly EnvironmentOutput[];
  readonly stopReason?: string;
  /** The operator interrupted the run (absent in older snapshots). */
  readonly interrupted?: boolean;
}

const currentEnv = (c: RolloutContext) => c.ref.environments[c.index];

export const rolloutMachine = setup({
  types: { context: {} as RolloutContext, input: {} as RolloutRef, output: {} as RolloutOutput },
  actors: {
    environment: environmentMachine,
    approve: fromPromise<boolean, { env: string }>(() =>
      Promise.reject(new Error('rollout step approve was not provided')),
    ),
    soak: fromPromise<VerifyResult, { env: string; soakMs: number }>(() =>
      Promise.reject(new Error('rollout step soak was not provided')),
    ),
  },
  guards: {
    allDone: ({ context }) => context.index >= context.ref.environments.length,
    needsApproval: ({ context }) => currentEnv(context)?.approval === true,
    needsSoak: ({ context }) => (currentEnv(context)?.soakMs ?? 0) > 0,
    interrupted: ({ context }) => context.interrupted === true,
  },
  actions: {
    advance: assign({ index: ({ context }) => context.index + 1 }),
    interrupt: enqueueActions(({ enqueue, self }) => {
      enqueue.assign({ interrupted: true });
      // The environment under way, if any (the approval and soak actors ignore it).
      for (const child of Object.values(self.getSnapshot().children))
        if (child !== undefined) enqueue.sendTo(child, { type: 'interrupt' });
    }),
    stopInterrupted: assign({
      stopReason: ({ context }) =>
        `interrupted by the operator before environment ${currentEnv(context)?.name ?? '?'}`,
    }),
  },
}).createMachine({
  id: 'rollout',
  context: ({ input }) => ({ ref: input, index: 0, results: [] }),
  on: { interrupt: { actions: 'interrupt' } },
  initial: 'next',
  states: {
    next: {
      always: [
        { guard: 'allDone', target: 'done' },
        { guard: 'interrupted', target: 'done', actions: 'stopInterrupted' },
        { guard: 'needsApproval', target: 'approving' },
        { target: 'running' },
      ],
    },
    approving: {
      // The prompt ends (its actor is stopped, its signal aborted).
      always: { guard: 'interrupted', target: 'done', actions: 'stopInterrupted' },
      invoke: {
        src: 'approve',
        input: ({ context }) => ({ env: currentEnv(context)?.name ?? '' }),
        onDone: [
          { guard: ({ event }) => event.output, target: 'running' },
          {
            target: 'done',
            actions: assign({
              stopReason: ({ context }) =>
                `approval for ${currentEnv(context)?.name ?? '?'} was not given`,
            }),
          },
        ],
        onError: {
          target: 'done',
          actions: assign({
            stopReason: ({ context, event }) =>
              `approval for ${currentEnv(context)?.name ?? '?'} failed: ${event.error instanceof Error ? event.error.message : String(event.error)}`,
          }),
        },
      },
    },
    running: {
      invoke: {
        src: 'environment',
        input: ({ context }) => currentEnv(context)!,
        onDone: [
          {
            guard: ({ event }) => event.output.status !== 'succeeded',
            target: 'done',
            actions: assign(({ context, event }) => ({
              results: [...context.results, event.output],
              stopReason:
                `environment ${event.output.env} ${event.output.status}: ${event.output.reason ?? ''}`.trim(),
            })),
          },
          {
            guard: 'needsSoak',
            target: 'soaking',
            actions: assign(({ context, event }) => ({
              results: [...context.results, event.output],
            })),
          },
          {
            target: 'next',
            actions: [
              assign(({ context, event }) => ({ results: [...context.results, event.output] })),
              'advance',
            ],
          },
        ],
        onError: {
          target: 'done',
          actions: assign({
            stopReason: ({ event }) =>
              `environment failed unexpectedly: ${event.error instanceof Error ? event.error.message : String(event.error)}`,
          }),
        },
      },
    },
    soaking: {
      always: {
        guard: 'interrupted',
        target: 'done',
        actions: assign({
          stopReason: ({ context }) =>
            `interrupted by the operator during the soak of ${currentEnv(context)?.name ?? '?'}`,
        }),
      },
      invoke: {
        src: 'soak',
        input: ({ context }) => ({
          env: currentEnv(context)?.name ?? '',
          soakMs: currentEnv(context)?.soakMs ?? 0,
        }),
        onDone: [
          { guard: ({ event }) => event.output.ok, target: 'next', actions: 'advance' },
          {
            target: 'done',
            actions: assign({
              stopReason: ({ context, event }) =>
                `soak of ${currentEnv(context)?.name ?? '?'} failed: ${event.output.reason ?? 'a binding no longer serves the new certificate'}`,
            }),
          },
        ],
        onError: {
          target: 'done',
          actions: assign({
            stopReason: ({ context, event }) =>
              `soak of ${currentEnv(context)?.name ?? '?'} failed: ${event.error instanceof Error ? event.error.message : String(event.error)}`,
          }),
        },
      },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => rolloutOutput(context),
});

export function rolloutOutput(context: RolloutContext): RolloutOutput {
  const ran = new Set(context.results.map((r) => r.env));
  const notStarted = context.ref.environments.map((e) => e.name).filter((n) => !ran.has(n));
  const clean = context.results.every(
    (r) => (r.status === 'succeeded' || r.status === 'interrupted') && r.failures === 0,
  );
  const status =
    context.stopReason === undefined && notStarted.length === 0 && clean
      ? 'succeeded'
      : context.interrupted === true && clean
        ? 'interrupted'
        : 'failed';
  return {
    runId: context.ref.runId,
    status,
    environments: context.results,
    notStarted,
    ...(context.stopReason !== undefined ? { reason: context.stopReason } : {}),
  };
}

export function createRolloutMachine(steps: HostSteps & EnvironmentSteps & RolloutSteps) {
  return rolloutMachine.provide({
    actors: {
      environment: createEnvironmentMachine(steps),
      approve: fromPromise(({ input, signal }) => steps.approve(input, signal)),
      soak: fromPromise(({ input, signal }) => steps.soak(input, signal)),
    },
  });
}
