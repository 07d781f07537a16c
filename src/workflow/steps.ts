// The real steps of a rollout, built from injected dependencies (transports, playbooks, a
// verifier: src/workflow/ports.ts), so the workflow never constructs an adapter itself. Each step
// is idempotent or checks before it acts (the playbooks' scripts do: stage keeps the first
// backup, bind of an already bound file rewrites the same bytes), because a resumed run runs the
// interrupted step again. The pieces live in steps/: look-ups, connections, the host-wide steps,
// remote commands, verification, the rollback of a finished host, the soak.
import { type BindingCapture, type RolloutStepsImpl, type StepDeps } from './ports.js';
import { balancerSteps, poolOfMember } from './steps/balancer.js';
import { captureStep } from './steps/capture.js';
import { createConnections } from './steps/connections.js';
import { hostSteps } from './steps/host.js';
import { createLookup, type Lookup } from './steps/lookup.js';
import { createRemote, type Remote } from './steps/remote.js';
import { poolCheck } from './steps/pool-check.js';
import { rollbackHost } from './steps/rollback-host.js';
import { soak } from './steps/soak.js';
import { stagingSteps } from './steps/staging.js';
import { verifySteps } from './steps/verify.js';
import { type BindingStepInput, type HostOutput } from './types.js';

export type { BindingCapture, BindingVerifier, RolloutStepsImpl, StepDeps } from './ports.js';

const captureOf = (input: BindingStepInput): BindingCapture => input.captured as BindingCapture;

/** A playbook step run for one binding with what its capture recorded (bind, restart, rollback). */
function bindingStep(look: Lookup, remote: Remote, step: 'bind' | 'restart' | 'rollback') {
  return async (input: BindingStepInput, signal: AbortSignal): Promise<void> => {
    const b = look.binding(look.host(input.host), input.binding);
    await remote.run(input.host, b, step, signal, captureOf(input).captured);
  };
}

type RollbackFinished = RolloutStepsImpl['rollbackHost'];

// A pool's verified member rolled back by its pool's policy: out of the balancer first, and
// back only when proven on its previous certificate.
function memberRollback(
  deps: StepDeps,
  balancer: ReturnType<typeof balancerSteps>,
  rollbackFinished: RollbackFinished,
) {
  return async (host: string, output: HostOutput, signal: AbortSignal) => {
    const binding = Object.keys(output.bindings)[0] ?? '';
    const behind = poolOfMember(deps.inventory, host, binding)?.pool.balancer !== undefined;
    const step = { host, binding, captured: undefined };
    if (behind) await balancer.drain(step, signal);
    const after = await rollbackFinished({ host, output }, signal);
    if (behind && after.bindings[binding]?.status === 'rolled-back')
      await balancer.returnToPool(step, signal);
    return after;
  };
}

export function createRolloutSteps(deps: StepDeps): RolloutStepsImpl {
  const look = createLookup(deps);
  const connections = createConnections(deps.transportFor, look.host);
  const remote = createRemote(deps, look, connections);
  const { verify, verifyRollback } = verifySteps(look, deps.verifier, deps.cert.sha256);
  const { unlockWithCleanup, ...host } = hostSteps(deps, look, connections, remote);
  const { stage, cleanup } = stagingSteps(look, remote, unlockWithCleanup);
  const rollback = bindingStep(look, remote, 'rollback');
  const balancer = balancerSteps(deps.inventory, look, (name) =>
    deps.transportFor(look.host(name)),
  );
  const rollbackFinished: RollbackFinished = (input, signal) =>
    rollbackHost(
      {
        look,
        undo: { rollback, verifyRollback },
        lock: host.lockHost,
        release: host.release,
      },
      input,
      signal,
    );
  const rollbackMember = memberRollback(deps, balancer, rollbackFinished);

  return {
    ...host,
    capture: captureStep(deps, look, remote),
    stage,
    bind: bindingStep(look, remote, 'bind'),
    verify,
    rollback,
    verifyRollback,
    restart: bindingStep(look, remote, 'restart'),
    cleanup,
    drain: balancer.drain,
    returnToPool: balancer.returnToPool,
    rollbackHost: rollbackFinished,
    poolCheck: (input, signal) =>
      poolCheck(
        {
          look,
          pools: (env) => deps.inventory.environments.find((e) => e.name === env)?.pools ?? [],
          verifier: deps.verifier,
          next: deps.cert.sha256,
          rollbackMember,
        },
        input,
        signal,
      ),
    async approve({ env }, signal) {
      if (deps.approve === undefined) return false;
      return deps.approve(env, signal);
    },
    soak: (input, signal) =>
      soak(
        {
          inventory: deps.inventory,
          verifier: deps.verifier,
          next: deps.cert.sha256,
          ...(deps.sleep !== undefined ? { sleep: deps.sleep } : {}),
        },
        input,
        signal,
      ),
  };
}
