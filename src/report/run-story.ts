// A run told from its journal and plan: who ran it, for which ticket, when, how each binding
// ended (with what it served before and after, and when the probe proved it), the sweep, a later
// `rollback RUN`, and a timeline of its steps. One model read by `runs`, `show` and the reports,
// so the three never disagree on what a run did. Each binding's story is told in
// binding-stories.ts, the timeline in run-timeline.ts.
import { type JournalRecord } from '../journal/journal.js';
import { type PlanDocument } from '../plan/document.js';
import { recordsOf, runChange } from '../workflow/records.js';
import { type HostOutput } from '../workflow/types.js';
import { bindingsOf, rollbackObserved, type BindingStory } from './binding-stories.js';
import { timelineOf, type TimelineStep } from './run-timeline.js';

export interface OutcomeCounts {
  readonly verified: number;
  readonly rolledBack: number;
  readonly needsAttention: number;
  readonly skipped: number;
  /** Bindings of hosts the run never started (the environment stopped, or Ctrl-C). */
  readonly notStarted: number;
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
