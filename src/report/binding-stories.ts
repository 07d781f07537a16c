// How each binding of a run ended, told from the plan (what it served before), the hosts'
// outputs (how it ended), and the timeline (when the probe proved it, and the rollback's proof).
import { type JournalRecord } from '../journal/journal.js';
import { type PlanDocument } from '../plan/document.js';
import { recordsOf } from '../workflow/records.js';
import { type BindingStatus, type HostOutput } from '../workflow/types.js';
import { key, type TimelineStep } from './run-timeline.js';

export interface BindingStory {
  readonly env: string;
  readonly host: string;
  readonly address: string;
  readonly binding: string;
  readonly port: number;
  readonly kind: string;
  readonly sni: readonly string[];
  readonly status: BindingStatus | 'not-started';
  /** SHA-256 served before the run (the plan's capture). */
  readonly before?: string;
  /** SHA-256 the last probe saw. */
  readonly after?: string;
  readonly reason?: string;
  /** When the probe that decided it answered (verify, or the rollback's verify). */
  readonly provedAt?: string;
  /** The rollback's own proof, for a binding rolled back. */
  readonly rollback?: { readonly at: string; readonly ok: boolean; readonly observed?: string };
}

/** The `at` of the last finished step named `step` on a host's binding. */
function lastStep(t: readonly TimelineStep[], host: string, binding: string, step: string) {
  return t.filter((s) => s.host === host && s.binding === binding && s.step === step).at(-1);
}

/** Every binding of the plan as the run left it, then those the plan does not list. */
export function bindingsOf(
  plan: PlanDocument | undefined,
  outputs: Map<string, HostOutput>,
  timeline: readonly TimelineStep[],
  lastVerify: Map<string, string | undefined>,
): BindingStory[] {
  const out: BindingStory[] = [];
  for (const e of plan?.environments ?? []) {
    for (const h of e.hosts) {
      const output = outputs.get(`${e.name}/${h.name}`);
      for (const b of h.bindings) {
        const o = output?.bindings[b.id];
        const proof = lastStep(timeline, h.name, b.id, 'verify');
        const undo = lastStep(timeline, h.name, b.id, 'verifyRollback');
        const status = o?.status ?? 'not-started';
        out.push({
          env: e.name,
          host: h.name,
          address: h.address,
          binding: b.id,
          port: b.port,
          kind: b.kind,
          sni: b.sni,
          status,
          ...(b.current !== undefined ? { before: b.current } : {}),
          ...(o?.observed !== undefined
            ? { after: o.observed }
            : status === 'skipped' && b.current !== undefined
              ? { after: b.current }
              : {}),
          ...(o?.reason !== undefined
            ? { reason: o.reason }
            : status === 'rolled-back' && output?.error !== undefined
              ? { reason: `undone with its host: ${output.error.message}` }
              : {}),
          ...((undo ?? proof) !== undefined ? { provedAt: (undo ?? proof)!.end } : {}),
          ...(undo !== undefined
            ? {
                rollback: {
                  at: undo.end,
                  ok: undo.ok,
                  ...(lastVerify.get(key(h.name, b.id)) !== undefined
                    ? { observed: lastVerify.get(key(h.name, b.id))! }
                    : {}),
                },
              }
            : {}),
        });
      }
    }
  }
  return [...out, ...unplanned(out, outputs)];
}

// Bindings a host reported that the run folder's plan does not list (an unreadable plan): still
// counted, told with what the journal knows.
function unplanned(
  told: readonly BindingStory[],
  outputs: Map<string, HostOutput>,
): BindingStory[] {
  const seen = new Set(told.map((b) => key(b.env, b.host, b.binding)));
  const out: BindingStory[] = [];
  for (const [where, output] of outputs) {
    const env = where.slice(0, where.indexOf('/'));
    for (const [binding, o] of Object.entries(output.bindings)) {
      if (seen.has(key(env, output.host, binding))) continue;
      out.push({
        env,
        host: output.host,
        address: '',
        binding,
        port: 0,
        kind: '',
        sni: [],
        status: o.status,
        ...(o.observed !== undefined ? { after: o.observed } : {}),
        ...(o.reason !== undefined ? { reason: o.reason } : {}),
      });
    }
  }
  return out;
}

/** What the last verifyRollback of each binding observed, keyed `host binding`. */
export function rollbackObserved(
  records: readonly JournalRecord[],
): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const r of recordsOf(records, 'step-finished'))
    if (r.data.step === 'verifyRollback')
      out.set(key(r.data.host, r.data.binding), r.data.observed);
  return out;
}
