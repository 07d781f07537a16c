// The real steps of a rollout, built from injected dependencies (transports, playbooks, a
// verifier: src/workflow/ports.ts), so the workflow never constructs an adapter itself. Each step
// is idempotent or checks before it acts (the playbooks' scripts do: stage keeps the first
// backup, bind of an already bound file rewrites the same bytes), because a resumed run runs the
// interrupted step again. The pieces live in steps/: look-ups, connections, remote commands,
// verification, the rollback of a finished host, the soak.
import { acquireHostLock, releaseHostLock } from './host-lock.js';
import { type BindingCapture, type RolloutStepsImpl, type StepDeps } from './ports.js';
import { balancerSteps, poolOfMember } from './steps/balancer.js';
import { captureStep } from './steps/capture.js';
import { createConnections } from './steps/connections.js';
import { createLookup } from './steps/lookup.js';
import { createRemote } from './steps/remote.js';
import { poolCheck } from './steps/pool-check.js';
import { rollbackHost } from './steps/rollback-host.js';
import { soak } from './steps/soak.js';
import { stagingSteps } from './steps/staging.js';
import { verifySteps } from './steps/verify.js';
import { type BindingStepInput, type HostOutput } from './types.js';

export type { BindingCapture, BindingVerifier, RolloutStepsImpl, StepDeps } from './ports.js';

const captureOf = (input: BindingStepInput): BindingCapture => input.captured as BindingCapture;

export function createRolloutSteps(deps: StepDeps): RolloutStepsImpl {
  const look = createLookup(deps);
  const connections = createConnections(deps.transportFor, look.host);
  const remote = createRemote(deps, look, connections);
  const { verify, verifyRollback } = verifySteps(look, deps.verifier, deps.cert.sha256);
  const { stage, cleanup } = stagingSteps(look, remote);
  const rollback = async (input: BindingStepInput, signal: AbortSignal): Promise<void> => {
    const b = look.binding(look.host(input.host), input.binding);
    await remote.run(input.host, b, 'rollback', signal, captureOf(input).captured);
  };

  const release = async (
    { host: name, locked }: { host: string; locked: boolean },
    signal: AbortSignal,
  ): Promise<void> => {
    // A resumed run may release a lock taken by the process that died: connect to do it.
    const t = locked ? await connections.get(name, signal) : connections.opened(name);
    if (t === undefined) return;
    try {
      if (locked) await releaseHostLock(t, deps.runId, remote.lockPath(name, t), signal);
    } finally {
      await connections.close(name);
    }
  };

  const capture = captureStep(deps, look, remote);
  const balancer = balancerSteps(deps.inventory, look, (name) =>
    deps.transportFor(look.host(name)),
  );
  const rollbackFinished = (input: { host: string; output: HostOutput }, signal: AbortSignal) =>
    rollbackHost(
      {
        runId: deps.runId,
        look,
        connections,
        undo: { rollback, verifyRollback },
        lockPath: remote.lockPath,
        release,
      },
      input,
      signal,
    );
  // A pool's verified member rolled back by its pool's policy: out of the balancer first, and
  // back only when proven on its previous certificate.
  const rollbackMember = async (host: string, output: HostOutput, signal: AbortSignal) => {
    const binding = Object.keys(output.bindings)[0] ?? '';
    const behind = poolOfMember(deps.inventory, host, binding)?.pool.balancer !== undefined;
    const step = { host, binding, captured: undefined };
    if (behind) await balancer.drain(step, signal);
    const after = await rollbackFinished({ host, output }, signal);
    if (behind && after.bindings[binding]?.status === 'rolled-back')
      await balancer.returnToPool(step, signal);
    return after;
  };

  return {
    async purge({ host: name, captured }, signal) {
      // Once per unit, as every other step: its bindings share what was kept (one BC instance's
      // ports, one certificate), so a second run would only repeat the first. Only playbooks
      // that keep something on the host have a purge step.
      const h = look.host(name);
      const purged: string[] = [];
      for (const unit of look.units(name)) {
        const leader = look.binding(h, unit[0] ?? '');
        if (look.playbook(leader).steps.purge === undefined) continue;
        const kept = unit.map((id) => captured?.[id]).find((c) => c !== undefined);
        await remote.run(name, leader, 'purge', signal, kept?.captured);
        purged.push(...unit);
      }
      return purged;
    },
    async connect({ host: name }, signal) {
      await connections.get(name, signal);
    },
    async lockHost({ host: name }, signal) {
      const t = await connections.get(name, signal);
      await acquireHostLock(t, deps.runId, remote.lockPath(name, t), signal);
    },
    capture,
    stage,
    async bind(input, signal) {
      const b = look.binding(look.host(input.host), input.binding);
      await remote.run(input.host, b, 'bind', signal, captureOf(input).captured);
    },
    verify,
    rollback,
    verifyRollback,
    async restart(input, signal) {
      const b = look.binding(look.host(input.host), input.binding);
      await remote.run(input.host, b, 'restart', signal, captureOf(input).captured);
    },
    cleanup,
    release,
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
