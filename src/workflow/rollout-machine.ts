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
  type PoolCheckResult,
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
    poolCheck: fromPromise<PoolCheckResult, { env: string; hosts: EnvironmentOutput['hosts'] }>(
      () => Promise.reject(new Error('rollout step poolCheck was not provided')),
    ),
  },
  guards: {
    allDone: ({ context }) => context.index >= context.ref.environments.length,
    needsApproval: ({ context }) => currentEnv(context)?.approval === true,
    needsSoak: ({ context }) => (currentEnv(context)?.soakMs ?? 0) > 0,
    hasPools: ({ context }) => (currentEnv(context)?.pools?.length ?? 0) > 0,
    lastFailed: ({ context }) => context.results.at(-1)?.status !== 'succeeded',
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
        onDone: {
          target: 'ran',
          actions: assign(({ context, event }) => ({
            results: [...context.results, event.output],
          })),
        },
        onError: {
          target: 'done',
          actions: assign({
            stopReason: ({ event }) =>
              `environment failed unexpectedly: ${event.error instanceof Error ? event.error.message : String(event.error)}`,
          }),
        },
      },
    },
    ran: {
      always: [{ guard: 'hasPools', target: 'checkingPools' }, { target: 'judged' }],
    },
    // Pools are judged whole once their members are done, after a failure too (to report them
    // mixed, or roll them back, as each pool's policy says).
    checkingPools: {
      invoke: {
        src: 'poolCheck',
        input: ({ context }) => {
          const last = context.results.at(-1)!;
          return { env: last.env, hosts: last.hosts };
        },
        onDone: [
          {
            guard: ({ event }) => event.output.ok,
            target: 'judged',
            actions: assign(({ context, event }) => ({
              results: withPools(context.results, event.output),
            })),
          },
          {
            target: 'done',
            actions: assign(({ context, event }) => ({
              results: withPools(context.results, event.output),
              stopReason:
                context.results.at(-1)?.status !== 'succeeded'
                  ? environmentStop(context.results.at(-1)!)
                  : `pool check of ${context.results.at(-1)?.env ?? '?'} failed: ${event.output.reason ?? ''}`,
            })),
          },
        ],
        onError: {
          target: 'done',
          actions: assign({
            stopReason: ({ context, event }) =>
              `pool check of ${currentEnv(context)?.name ?? '?'} failed: ${event.error instanceof Error ? event.error.message : String(event.error)}`,
          }),
        },
      },
    },
    judged: {
      always: [
        {
          guard: 'lastFailed',
          target: 'done',
          actions: assign({
            stopReason: ({ context }) => environmentStop(context.results.at(-1)!),
          }),
        },
        { guard: 'needsSoak', target: 'soaking' },
        { target: 'next', actions: 'advance' },
      ],
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

const environmentStop = (r: EnvironmentOutput): string =>
  `environment ${r.env} ${r.status}: ${r.reason ?? ''}`.trim();

/** The last environment's result with its pools (and the hosts a pool rollback changed). */
function withPools(
  results: readonly EnvironmentOutput[],
  check: PoolCheckResult,
): EnvironmentOutput[] {
  const last = results.at(-1)!;
  return [
    ...results.slice(0, -1),
    { ...last, hosts: { ...last.hosts, ...check.hosts }, pools: check.pools },
  ];
}

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
      poolCheck: fromPromise(({ input, signal }) => steps.poolCheck(input, signal)),
    },
  });
}
