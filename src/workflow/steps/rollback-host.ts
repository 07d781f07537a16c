// `rollback RUN` and an environment's rollback of the hosts it completed: restore a finished
// host's verified bindings from the captures its output kept, one unit at a time, newest first
// (a restart-only unit after the others: src/plan/units.ts undoOrder), under the host lock, each judged by the one undo saga (src/workflow/undo.ts).
import { REASON } from '../outcome.js';
import { type BindingCapture } from '../ports.js';
import { type BindingOutcome, type HostOutput } from '../types.js';
import { undoUnit, type UndoSteps } from '../undo.js';
import { type Lookup } from './lookup.js';
import { undoOrder, undoneLast, unitOfBinding } from '../../plan/units.js';

export interface RollbackHostDeps {
  readonly look: Lookup;
  readonly undo: UndoSteps;
  /** Takes the host lock (the host step lockHost, without a capture). */
  readonly lock: (input: { host: string }, signal: AbortSignal) => Promise<void>;
  readonly release: (
    input: { host: string; locked: boolean },
    signal: AbortSignal,
  ) => Promise<void>;
}

/** The host's verified bindings by unit leader, in the order they were bound. */
function verifiedUnits(
  d: RollbackHostDeps,
  name: string,
  output: HostOutput,
): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const [id, o] of Object.entries(output.bindings)) {
    if (o.status !== 'verified') continue;
    const leader = unitOfBinding(d.look.units(name), id)[0] ?? id;
    groups.set(leader, [...(groups.get(leader) ?? []), id]);
  }
  return groups;
}

export async function rollbackHost(
  d: RollbackHostDeps,
  { host: name, output }: { host: string; output: HostOutput },
  signal: AbortSignal,
): Promise<HostOutput> {
  const groups = verifiedUnits(d, name, output);
  const bindings: Record<string, BindingOutcome> = { ...output.bindings };
  const captureOf = (id: string) => output.bindings[id]?.captured as BindingCapture | undefined;
  await d.lock({ host: name }, signal);
  try {
    const last = (leader: string): boolean => {
      try {
        return undoneLast(d.look.playbook(d.look.binding(d.look.host(name), leader)));
      } catch {
        return false;
      }
    };
    for (const leader of undoOrder([...groups.keys()], last)) {
      const members = groups.get(leader) ?? [leader];
      const capture = captureOf(leader) ?? captureOf(members[0] ?? leader);
      if (capture === undefined) {
        for (const id of members)
          bindings[id] = { status: 'needs-attention', reason: REASON.noCapture };
        continue;
      }
      const input = {
        host: name,
        binding: leader,
        captured: capture,
        bindings: members,
        capturedBy: Object.fromEntries(members.map((m) => [m, captureOf(m) ?? capture])),
      };
      Object.assign(bindings, await undoUnit(d.undo, input, signal));
    }
  } finally {
    await d.release({ host: name, locked: true }, signal);
  }
  const attention = Object.values(bindings).some((o) => o.status === 'needs-attention');
  return { host: name, status: attention ? 'needs-attention' : 'rolled-back', bindings };
}
