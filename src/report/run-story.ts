// A run told from its journal and plan: who ran it, for which ticket, when, how each binding
// ended (with what it served before and after, and when the probe proved it), the sweep, a later
// `rollback RUN`, and a timeline of its steps. One model read by `runs`, `show` and the reports,
// so the three never disagree on what a run did.
import { type JournalRecord } from '../journal/journal.js';
import { type PlanDocument } from '../plan/document.js';
import { recordsOf, runChange, runRecord } from '../workflow/records.js';
import { type BindingStatus, type HostOutput } from '../workflow/types.js';

export interface OutcomeCounts {
  readonly verified: number;
  readonly rolledBack: number;
  readonly needsAttention: number;
  readonly skipped: number;
  /** Bindings of hosts the run never started (the environment stopped, or Ctrl-C). */
  readonly notStarted: number;
}

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

export interface TimelineStep {
  readonly env?: string;
  readonly host: string;
  readonly step: string;
  readonly binding?: string;
  readonly start: string;
  readonly end: string;
  readonly ok: boolean;
}

/** How a run ended, in words people read: never `succeeded` with a binding rolled back. */
export type RunVerdict =
  | 'succeeded'
  | 'failed'
  | 'rolled back'
  | 'needs attention'
  | 'interrupted'
  | 'incomplete'
  | 'empty';

export interface RunStory {
  readonly id: string;
  readonly operator?: string;
  readonly ticket?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly durationMs?: number;
  readonly verdict: RunVerdict;
  /** Why the verdict, one line (`1 binding rolled back`, `the sweep found ...`). */
  readonly why?: string;
  readonly counts: OutcomeCounts;
  readonly environments: readonly {
    readonly env: string;
    readonly status?: string;
    readonly reason?: string;
  }[];
  readonly bindings: readonly BindingStory[];
  readonly sweep?: { readonly clean: boolean; readonly text: string };
  /** A later `certroll rollback RUN`. */
  readonly laterRollback?: {
    readonly status: string;
    readonly at: string;
    readonly operator?: string;
    readonly ticket?: string;
  };
  readonly timeline: readonly TimelineStep[];
}

/**
 * The latest output of every host, keyed `env/host`, in the order the hosts ended: the run's
 * `run-finished` record has them all; before it (a crash), the `host-result` records so far.
 */
export function hostOutputs(records: readonly JournalRecord[]): Map<string, HostOutput> {
  const out = new Map<string, HostOutput>();
  for (const r of recordsOf(records, 'host-result'))
    out.set(`${r.data.env}/${r.data.host}`, r.data.output);
  for (const h of recordsOf(records, 'run-finished').at(-1)?.data.hosts ?? [])
    out.set(`${h.env}/${h.output.host}`, h.output);
  return out;
}

const key = (...parts: (string | undefined)[]) => parts.join(' ');

/** Steps paired start to end; a step with no end (a crash) is left out of the timeline. */
export function timelineOf(records: readonly JournalRecord[]): TimelineStep[] {
  const open = new Map<string, JournalRecord>();
  const steps: TimelineStep[] = [];
  for (const r of records) {
    const typed = runRecord(r);
    if (typed === undefined) continue;
    if (typed.type === 'step-started') {
      open.set(key(typed.data.step, typed.data.env, typed.data.host, typed.data.binding), r);
      continue;
    }
    if (typed.type !== 'step-finished' && typed.type !== 'step-failed') continue;
    const k = key(typed.data.step, typed.data.env, typed.data.host, typed.data.binding);
    const start = open.get(k);
    if (start === undefined) continue;
    open.delete(k);
    const ok = typed.type === 'step-finished' && typed.data.ok !== false;
    steps.push({
      ...(typed.data.env !== undefined ? { env: typed.data.env } : {}),
      host: typed.data.host ?? typed.data.env ?? 'run',
      step: typed.data.step,
      ...(typed.data.binding !== undefined ? { binding: typed.data.binding } : {}),
      start: start.at,
      end: r.at,
      ok,
    });
  }
  return steps;
}

/** The `at` of the last finished step named `step` on a host's binding. */
function lastStep(t: readonly TimelineStep[], host: string, binding: string, step: string) {
  return t.filter((s) => s.host === host && s.binding === binding && s.step === step).at(-1);
}

function bindingsOf(
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
function rollbackObserved(records: readonly JournalRecord[]): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const r of recordsOf(records, 'step-finished'))
    if (r.data.step === 'verifyRollback')
      out.set(key(r.data.host, r.data.binding), r.data.observed);
  return out;
}

export function countOutcomes(bindings: readonly BindingStory[]): OutcomeCounts {
  const n = (s: BindingStory['status']) => bindings.filter((b) => b.status === s).length;
  return {
    verified: n('verified'),
    rolledBack: n('rolled-back'),
    needsAttention: n('needs-attention'),
    skipped: n('skipped'),
    notStarted: n('not-started'),
  };
}

function verdictOf(
  finished: string | undefined,
  counts: OutcomeCounts,
  sweep: RunStory['sweep'],
  empty: boolean,
): { verdict: RunVerdict; why?: string } {
  if (finished === undefined) return { verdict: empty ? 'empty' : 'incomplete' };
  if (counts.needsAttention > 0)
    return {
      verdict: 'needs attention',
      why: `${counts.needsAttention} binding(s) need attention`,
    };
  if (counts.rolledBack > 0)
    return { verdict: 'rolled back', why: `${counts.rolledBack} binding(s) rolled back` };
  if (finished === 'interrupted') return { verdict: 'interrupted' };
  if (finished !== 'succeeded') return { verdict: 'failed' };
  if (sweep !== undefined && !sweep.clean)
    return { verdict: 'failed', why: 'the sweep found the replaced certificate still served' };
  return { verdict: 'succeeded' };
}

/** The run told from its journal records and (when readable) the plan it followed. */
export function runStory(
  id: string,
  records: readonly JournalRecord[],
  plan: PlanDocument | undefined,
): RunStory {
  const timeline = timelineOf(records);
  const bindings = bindingsOf(plan, hostOutputs(records), timeline, rollbackObserved(records));
  const counts = countOutcomes(bindings);
  const finished = recordsOf(records, 'run-finished').at(-1);
  const swept = recordsOf(records, 'run-swept').at(-1);
  const sweep = swept && { clean: swept.data.clean, text: swept.data.text };
  const change = runChange(records);
  const startedAt = records[0]?.at;
  const finishedAt = finished?.at;
  const rollback = recordsOf(records, 'rollback-finished').at(-1);
  const rollbackStart = recordsOf(records, 'rollback-started').at(-1);
  const envs = recordsOf(records, 'run-ref').at(-1)?.data.ref.environments ?? [];
  return {
    id,
    ...change,
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(finishedAt !== undefined ? { finishedAt } : {}),
    ...(startedAt !== undefined && finishedAt !== undefined
      ? { durationMs: Date.parse(finishedAt) - Date.parse(startedAt) }
      : {}),
    ...verdictOf(finished?.data.status, counts, sweep, records.length <= 1),
    counts,
    environments: envs.map((e) => ({ env: e.name, ...envStatus(records, e.name) })),
    bindings,
    ...(sweep !== undefined ? { sweep } : {}),
    ...(rollback !== undefined
      ? {
          laterRollback: {
            status: rollback.data.status,
            at: rollback.at,
            ...(rollbackStart?.data.operator !== undefined
              ? { operator: rollbackStart.data.operator }
              : {}),
            ...(rollbackStart?.data.ticket !== undefined
              ? { ticket: rollbackStart.data.ticket }
              : {}),
          },
        }
      : {}),
    timeline,
  };
}

/** An environment's status as the run's `run-finished` record says (absent: an older run). */
function envStatus(
  records: readonly JournalRecord[],
  env: string,
): { status?: string; reason?: string } {
  const r = recordsOf(records, 'run-finished')
    .at(-1)
    ?.data.environments?.find((x) => x.env === env);
  if (r === undefined) return {};
  return { status: r.status, ...(r.reason !== undefined ? { reason: r.reason } : {}) };
}

/** `1m 12s`, `850 ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ${s % 60}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}
