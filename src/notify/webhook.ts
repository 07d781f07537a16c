// Sends run events to webhooks without ever holding the rollout up: `notify` only queues (a
// bounded queue per webhook, oldest dropped when full), one sender per webhook posts in order
// with a timeout per attempt and a bounded number of retries with backoff, and `drain` waits for
// what is queued at most a bounded time at the end of the command. A webhook that fails is
// logged (by its origin only: a Slack or Teams URL is itself a secret) and changes nothing.
import { createHmac, randomUUID } from 'node:crypto';
import { type RunEvent, type RunEventType, webhookBody, type WebhookFormat } from './events.js';

export interface WebhookTarget {
  readonly url: string;
  readonly format: WebhookFormat;
  /** The HMAC key for `X-Certroll-Signature` (read from an env variable or a file; never logged). */
  readonly secret?: string;
  /** Only these events (default: all). */
  readonly events?: readonly RunEventType[];
}

export interface WebhookLimits {
  /** Attempts per event, the first included. */
  readonly attempts: number;
  /** Wait before the 2nd, 3rd ... attempt (the last value repeats). */
  readonly backoffMs: readonly number[];
  /** One attempt's deadline. */
  readonly timeoutMs: number;
  /** Events waiting per webhook; beyond, the oldest is dropped. */
  readonly queue: number;
}

export const WEBHOOK_LIMITS: WebhookLimits = {
  attempts: 4,
  backoffMs: [250, 1000, 3000],
  timeoutMs: 5000,
  queue: 200,
};

export const SIGNATURE_HEADER = 'X-Certroll-Signature';

/** `sha256=<hex>`: HMAC-SHA256 of the exact request body with the webhook's secret. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface RunNotifierLike {
  notify(event: RunEvent): void;
  drain(deadlineMs: number): Promise<void>;
}

const origin = (url: string): string => {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
};

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

class WebhookSender {
  private readonly queue: RunEvent[] = [];
  private running: Promise<void> | undefined;
  private readonly stop = new AbortController();

  constructor(
    private readonly target: WebhookTarget,
    private readonly limits: WebhookLimits,
    private readonly log: (message: string) => void,
  ) {}

  push(event: RunEvent): void {
    if (this.target.events !== undefined && !this.target.events.includes(event.event)) return;
    if (this.queue.length >= this.limits.queue) {
      const dropped = this.queue.shift();
      this.log(`webhook ${origin(this.target.url)}: queue full, dropped ${dropped?.event}`);
    }
    this.queue.push(event);
    // Sent from a later turn of the event loop: nothing of it (not even fetch's first load) runs
    // in the caller's, which is a step of the rollout.
    this.running ??= new Promise((r) => setImmediate(r))
      .then(() => this.run())
      .finally(() => (this.running = undefined));
  }

  private async run(): Promise<void> {
    for (let e = this.queue.shift(); e !== undefined; e = this.queue.shift()) {
      if (this.stop.signal.aborted) return;
      await this.deliver(e);
    }
  }

  private async deliver(event: RunEvent): Promise<void> {
    const body = JSON.stringify(webhookBody(event, this.target.format));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'certroll',
      'x-certroll-event': event.event,
      'x-certroll-delivery': randomUUID(),
      ...(this.target.secret !== undefined
        ? { [SIGNATURE_HEADER]: signature(this.target.secret, body) }
        : {}),
    };
    let last = '';
    for (let attempt = 1; attempt <= this.limits.attempts; attempt++) {
      if (this.stop.signal.aborted) break;
      const verdict = await this.attempt(body, headers);
      if (verdict === 'ok') return;
      last = verdict;
      if (verdict.startsWith('HTTP 4') && !verdict.startsWith('HTTP 429')) break; // will not change
      if (attempt < this.limits.attempts) {
        const wait = this.limits.backoffMs[Math.min(attempt - 1, this.limits.backoffMs.length - 1)];
        await sleep(wait ?? 1000, this.stop.signal);
      }
    }
    this.log(
      `webhook ${origin(this.target.url)}: ${event.event} not delivered (${last}); the rollout goes on`,
    );
  }

  private async attempt(body: string, headers: Record<string, string>): Promise<string> {
    const signal = AbortSignal.any([this.stop.signal, AbortSignal.timeout(this.limits.timeoutMs)]);
    try {
      const res = await fetch(this.target.url, {
        method: 'POST',
        body,
        headers,
        signal,
        redirect: 'manual',
      });
      await res.body?.cancel();
      return res.status >= 200 && res.status < 300 ? 'ok' : `HTTP ${res.status}`;
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      if (e.name === 'TimeoutError') return `no answer within ${this.limits.timeoutMs} ms`;
      return e.cause?.code ?? e.name;
    }
  }

  /** Waits for the queue to empty, at most until `signal`; then stops and counts what is left. */
  async drain(signal: AbortSignal): Promise<void> {
    const done = this.running ?? Promise.resolve();
    await Promise.race([
      done,
      new Promise((r) => signal.addEventListener('abort', r, { once: true })),
    ]);
    if (this.running === undefined && this.queue.length === 0) return;
    this.stop.abort();
    const left = this.queue.length + 1;
    this.queue.length = 0;
    this.log(`webhook ${origin(this.target.url)}: gave up on ${left} event(s) at exit`);
  }
}

/** A notifier over every configured webhook; without webhooks it does nothing. */
export function webhookNotifier(
  targets: readonly WebhookTarget[],
  log: (message: string) => void,
  limits: WebhookLimits = WEBHOOK_LIMITS,
): RunNotifierLike {
  const senders = targets.map((t) => new WebhookSender(t, limits, log));
  return {
    notify: (event) => {
      for (const s of senders) s.push(event);
    },
    drain: async (deadlineMs) => {
      const signal = AbortSignal.timeout(deadlineMs);
      await Promise.all(senders.map((s) => s.drain(signal)));
    },
  };
}
