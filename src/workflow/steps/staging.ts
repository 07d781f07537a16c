// Staging the new material on a host and removing it again: cleanup runs after success and after
// failure, so no copy of the new key stays behind. The backups of the previous files stay until
// `purge`. What this process staged is remembered; after a resume it cannot know, so cleanup
// covers every binding of the host (the cleanup scripts remove what exists, ignore what does not).
// On sh hosts the last cleanup command also releases the host lock (UnlockWithCleanup).
import { CertrollError } from '../../errors.js';
import { UNLOCKED_MARK } from '../../shell/index.js';
import { type Transport } from '../../transport/types.js';
import { type BindingCapture } from '../ports.js';
import { type HostStepInput, type StageInput } from '../types.js';
import { type Lookup } from './lookup.js';
import { type Remote } from './remote.js';

/** The host lock's release, appended to the cleanup's last command where the shell allows. */
export interface UnlockWithCleanup {
  readonly script: (name: string, t: Transport) => string | undefined;
  /** The command's output said the lock is gone. */
  readonly done: (name: string) => void;
}

export function stagingSteps(look: Lookup, remote: Remote, unlock?: UnlockWithCleanup) {
  const stagedBindings = new Map<string, Set<string>>();
  const staged = (name: string): Set<string> => {
    let set = stagedBindings.get(name);
    if (set === undefined) stagedBindings.set(name, (set = new Set()));
    return set;
  };
  return {
    stage: async ({ host: name, bindings }: StageInput, signal: AbortSignal): Promise<void> => {
      const h = look.host(name);
      for (const { binding: id, captured } of bindings) {
        const b = look.binding(h, id);
        await remote.run(name, b, 'stage', signal, (captured as BindingCapture).captured);
        staged(name).add(id);
      }
    },
    cleanup: async ({ host: name }: HostStepInput, signal: AbortSignal): Promise<void> => {
      const h = look.host(name);
      const failures: string[] = [];
      const ids = stagedBindings.has(name) ? [...staged(name)] : h.bindings.map((b) => b.id);
      for (const [i, id] of ids.entries()) {
        // The last command releases the lock too, once every cleanup before it succeeded; if
        // anything failed, the release step removes the lock as on its own.
        const last = i === ids.length - 1 && failures.length === 0 && unlock !== undefined;
        try {
          const result = await remote.run(
            name,
            look.binding(h, id),
            'cleanup',
            signal,
            undefined,
            last ? (t) => unlock.script(name, t) : undefined,
          );
          if (last && result.stdout.split('\n').includes(UNLOCKED_MARK)) unlock.done(name);
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
  };
}
