// What an applied run tells besides its journal: the notifier's events, the audit log's lines
// (every step with its duration, every binding's outcome) and the progress view's records.
import { type Logger } from '../log/index.js';
import { type HostOutput, type RolloutOutput } from '../workflow/index.js';
import { eventOfRecord, runEvent, type EventContext, type RunEvent } from '../notify/events.js';
import { type RunNotifier, type RunObserver } from './ports.js';

/** The run's events to the notifier, stamped with who and what; never throws. */
export function teller(notifier: RunNotifier | undefined, ctx: EventContext) {
  const send = (event: RunEvent | undefined) => {
    if (notifier === undefined || event === undefined) return;
    try {
      notifier.notify(event);
    } catch {
      // A notifier that throws is a bug in it; the run goes on regardless.
    }
  };
  const tell = (type: Parameters<typeof runEvent>[1], fields: Parameters<typeof runEvent>[2]) =>
    send(runEvent(ctx, type, fields));
  tell.record = (type: string, data: Record<string, unknown>) =>
    send(eventOfRecord(ctx, type, data));
  return tell;
}

export function finishedMessage(status: string, output: RolloutOutput, clean?: boolean): string {
  const all = output.environments.flatMap((e) =>
    Object.values(e.hosts).flatMap((h) => Object.values(h.bindings)),
  );
  const n = (s: string) => all.filter((b) => b.status === s).length;
  const sweep = clean === false ? '; the sweep found the replaced certificate still served' : '';
  return `run ${status}: ${n('verified')} verified, ${n('rolled-back')} rolled back, ${n('needs-attention')} need attention, ${n('skipped')} skipped${sweep}`;
}

/** A host's output as the journal's last word on it: the captures stay in the snapshot. */
export function withoutCaptures(h: HostOutput): HostOutput {
  const bindings = Object.fromEntries(
    Object.entries(h.bindings).map(([id, { captured: _captured, ...rest }]) => [id, rest]),
  );
  return { ...h, bindings };
}

/** One audit line per binding: how it ended, what was expected and what was observed. */
export function auditOutcomes(audit: Logger, output: RolloutOutput, expected: string): void {
  for (const e of output.environments) {
    for (const h of Object.values(e.hosts)) {
      for (const [binding, o] of Object.entries(h.bindings)) {
        audit.info('binding finished', {
          env: e.env,
          host: h.host,
          binding,
          status: o.status,
          expected,
          observed: o.observed,
          reason: o.reason,
        });
      }
    }
  }
}

// Every journal record goes to the journal, every finished or failed step to the audit log (with
// its duration and the expected fingerprint), and the steps also to the observer (the progress
// view).
export function observed(
  journal: {
    append(type: string, data: Record<string, unknown>): unknown;
    durable(what?: 'all' | 'records'): Promise<void>;
  },
  observer: RunObserver | undefined,
  audit: Logger,
  expected: string,
  notify: (type: string, data: Record<string, unknown>) => void,
) {
  const started = new Map<string, number>();
  return {
    // After an approval step starts, the terminal view gives the terminal back before the prompt.
    durable: async (what?: 'all' | 'records') => {
      await journal.durable(what);
      await observer?.idle?.();
    },
    append(type: string, data: Record<string, unknown>) {
      journal.append(type, data);
      const step = typeof data['step'] === 'string' ? data['step'] : '';
      const key = `${step} ${String(data['host'])} ${String(data['binding'])}`;
      if (type === 'step-started') started.set(key, Date.now());
      else {
        const durationMs = Date.now() - (started.get(key) ?? Date.now());
        audit.info(type === 'step-failed' ? 'step failed' : 'step finished', {
          ...data,
          durationMs,
          ...(step === 'verify' ? { expected } : {}),
          outcome: type === 'step-failed' ? 'failed' : 'ok',
        });
      }
      observer?.record?.(type, data);
      notify(type, data);
    },
  };
}
