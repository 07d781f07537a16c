// The steps that act on a host as a whole: connect, take and release the host lock (closing the
// connection at release), and purge what the playbooks kept on it (the backups). On sh hosts the
// lock shares its command with the first unit's capture, and the release with the cleanup's last.
import { shUnlockAfter } from '../../shell/index.js';
import { type Transport } from '../../transport/types.js';
import { acquireHostLock, acquireHostLockThen, releaseHostLock } from '../host-lock.js';
import { type BindingCapture, type StepDeps } from '../ports.js';
import { type HostStepInput, type LockInput } from '../types.js';
import { type Connections } from './connections.js';
import { type Lookup } from './lookup.js';
import { type Remote } from './remote.js';

export function hostSteps(
  deps: Pick<StepDeps, 'runId'>,
  look: Lookup,
  connections: Connections,
  remote: Remote,
) {
  // Hosts whose lock the cleanup's command removed, until their release step (or a new lock).
  const unlocked = new Set<string>();
  return {
    connect: async ({ host: name }: HostStepInput, signal: AbortSignal): Promise<void> => {
      await connections.get(name, signal);
    },
    lockHost: async ({ host: name, capture }: LockInput, signal: AbortSignal): Promise<void> => {
      const t = await connections.get(name, signal);
      const path = remote.lockPath(name, t);
      unlocked.delete(name);
      const leader = capture === undefined ? undefined : look.binding(look.host(name), capture);
      const rest = leader === undefined ? undefined : remote.captureScript(name, leader, t);
      if (leader === undefined || rest === undefined) {
        await acquireHostLock(t, deps.runId, path, signal);
        return;
      }
      // One command: the lock, then (only once it is taken) the first unit's pre-flight and
      // capture, kept for that unit's capture step (journaled as its own step, as before).
      const result = await acquireHostLockThen(t, deps.runId, path, rest, signal);
      remote.keepCapture(name, leader.id, result);
    },
    release: async (
      { host: name, locked }: { host: string; locked: boolean },
      signal: AbortSignal,
    ): Promise<void> => {
      remote.dropCapture(name);
      // The cleanup's command removed the lock already: only the connection is left to close.
      const needed = locked && !unlocked.delete(name);
      // A resumed run may release a lock taken by the process that died: connect to do it.
      const t = needed ? await connections.get(name, signal) : connections.opened(name);
      if (t === undefined) return;
      try {
        if (needed) await releaseHostLock(t, deps.runId, remote.lockPath(name, t), signal);
      } finally {
        await connections.close(name);
      }
    },
    /**
     * For the cleanup's last command on sh hosts: the release appended to it, and what to call
     * when its output says the lock is gone (the release step then only closes the connection).
     */
    unlockWithCleanup: {
      script: (name: string, t: Transport): string | undefined =>
        t.shell === 'sh' ? shUnlockAfter(remote.lockPath(name, t), deps.runId) : undefined,
      done: (name: string): void => void unlocked.add(name),
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
