// The steps that act on a host as a whole: connect, take and release the host lock (closing the
// connection at release), and purge what the playbooks kept on it (the backups).
import { acquireHostLock, releaseHostLock } from '../host-lock.js';
import { type BindingCapture, type StepDeps } from '../ports.js';
import { type HostStepInput } from '../types.js';
import { type Connections } from './connections.js';
import { type Lookup } from './lookup.js';
import { type Remote } from './remote.js';

export function hostSteps(
  deps: Pick<StepDeps, 'runId'>,
  look: Lookup,
  connections: Connections,
  remote: Remote,
) {
  return {
    connect: async ({ host: name }: HostStepInput, signal: AbortSignal): Promise<void> => {
      await connections.get(name, signal);
    },
    lockHost: async ({ host: name }: HostStepInput, signal: AbortSignal): Promise<void> => {
      const t = await connections.get(name, signal);
      await acquireHostLock(t, deps.runId, remote.lockPath(name, t), signal);
    },
    release: async (
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
    },
    purge: async (
      {
        host: name,
        captured,
      }: { host: string; captured?: Readonly<Record<string, BindingCapture>> },
      signal: AbortSignal,
    ): Promise<string[]> => {
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
  };
}
