// The real steps of a rollout, built from injected dependencies (transports, playbooks, a
// verifier: src/workflow/ports.ts), so the workflow never constructs an adapter itself. Each step
// is idempotent or checks before it acts (the playbooks' scripts do: stage keeps the first
// backup, bind of an already bound file rewrites the same bytes), because a resumed run runs the
// interrupted step again. The pieces live in steps/: look-ups, connections, remote commands,
// verification, the rollback of a finished host, the soak.
import { CertrollError } from '../errors.js';
import { parseCapture } from '../playbooks/index.js';
import { acquireHostLock, releaseHostLock } from './host-lock.js';
import { type BindingCapture, type RolloutStepsImpl, type StepDeps } from './ports.js';
import { createConnections } from './steps/connections.js';
import { createLookup } from './steps/lookup.js';
import { createRemote } from './steps/remote.js';
import { rollbackHost } from './steps/rollback-host.js';
import { soak } from './steps/soak.js';
import { verifySteps } from './steps/verify.js';
import { type BindingStepInput, type CaptureInput, type CaptureResult } from './types.js';

export type { BindingCapture, BindingVerifier, RolloutStepsImpl, StepDeps } from './ports.js';

const captureOf = (input: BindingStepInput): BindingCapture => input.captured as BindingCapture;

export function createRolloutSteps(deps: StepDeps): RolloutStepsImpl {
  const look = createLookup(deps);
  const connections = createConnections(deps.transportFor, look.host);
  const remote = createRemote(deps, look, connections);
  const { verify, verifyRollback } = verifySteps(look, deps.verifier, deps.cert.sha256);
  // Bindings staged on each host in this process; after a resume, cleanup covers them all.
  const stagedBindings = new Map<string, Set<string>>();
  const staged = (name: string): Set<string> => {
    let set = stagedBindings.get(name);
    if (set === undefined) stagedBindings.set(name, (set = new Set()));
    return set;
  };

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

  const capture = async (input: CaptureInput, signal: AbortSignal): Promise<CaptureResult> => {
    const h = look.host(input.host);
    const leader = look.binding(h, input.binding);
    const out = await remote.preflightAndCapture(h.name, leader, signal);
    const captured = parseCapture(out.stdout, { host: h.name, kind: leader.kind });
    // Each member's own served certificate (they share the files, not necessarily what is
    // served: a port can lag behind, or already be on the new certificate).
    const ids = input.bindings ?? [input.binding];
    const members = await Promise.all(
      ids.map(async (id): Promise<[string, CaptureResult]> => {
        const b = look.binding(h, id);
        const previous = await deps.verifier.current(b, signal);
        const state: BindingCapture = { captured, ...(previous !== undefined ? { previous } : {}) };
        // Already current only when a full verification passes, never on one lucky probe.
        const alreadyCurrent =
          previous === deps.cert.sha256 &&
          (await deps.verifier.serves(b, deps.cert.sha256, signal)).ok;
        return [id, { alreadyCurrent, state }];
      }),
    );
    const [, first] = members[0]!;
    if (members.length === 1) return first;
    return {
      alreadyCurrent: members.every(([, m]) => m.alreadyCurrent),
      state: first.state,
      members: Object.fromEntries(members),
    };
  };

  return {
    async purge({ host: name }, signal) {
      // Only playbooks that keep something on the host have a purge step.
      const purged: string[] = [];
      for (const b of look.host(name).bindings) {
        if (look.playbook(b).steps.purge === undefined) continue;
        await remote.run(name, b, 'purge', signal);
        purged.push(b.id);
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
    async stage({ host: name, bindings }, signal) {
      const h = look.host(name);
      for (const { binding: id, captured } of bindings) {
        const b = look.binding(h, id);
        await remote.run(name, b, 'stage', signal, (captured as BindingCapture).captured);
        staged(name).add(id);
      }
    },
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
    async cleanup({ host: name }, signal) {
      const h = look.host(name);
      const failures: string[] = [];
      // After a resume this process may not know what was staged: clean up every binding (the
      // cleanup scripts remove what exists and ignore what does not).
      const ids = stagedBindings.has(name) ? [...staged(name)] : h.bindings.map((b) => b.id);
      for (const id of ids) {
        try {
          await remote.run(name, look.binding(h, id), 'cleanup', signal);
        } catch (error) {
          failures.push(`${id}: ${(error as Error).message}`);
        }
      }
      if (failures.length > 0) {
        throw new CertrollError(
          'TRANSPORT_COMMAND_FAILED',
          `${name}: cleanup failed; staged key material may remain: ${failures.join('; ')}`,
        );
      }
    },
    release,
    rollbackHost: (input, signal) =>
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
