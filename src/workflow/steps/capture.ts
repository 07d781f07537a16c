// Capture: the playbook's read-only pre-flight and capture of a unit's files and configuration,
// plus what each member serves now (one probe) and whether it already serves the new
// certificate (a full verification, never one lucky probe).
import { parseCapture } from '../../playbooks/index.js';
import { type BindingCapture, type StepDeps } from '../ports.js';
import { type CaptureInput, type CaptureResult } from '../types.js';
import { type Lookup } from './lookup.js';
import { type Remote } from './remote.js';

export function captureStep(
  deps: Pick<StepDeps, 'verifier' | 'cert'>,
  look: Lookup,
  remote: Remote,
): (input: CaptureInput, signal: AbortSignal) => Promise<CaptureResult> {
  return async (input, signal) => {
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
}
