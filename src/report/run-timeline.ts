// A run's timeline: its journal's steps paired start to end, for the story's timeline and the
// report's chart (timeline-chart.ts).
import { type JournalRecord } from '../journal/journal.js';
import { runRecord } from '../workflow/records.js';

export interface TimelineStep {
  readonly env?: string;
  readonly host: string;
  readonly step: string;
  readonly binding?: string;
  readonly start: string;
  readonly end: string;
  readonly ok: boolean;
}

/** A step's (or a binding's) identity from its parts, for matching records. */
export const key = (...parts: (string | undefined)[]) => parts.join(' ');

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
