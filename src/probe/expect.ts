import { setTimeout as sleep } from 'node:timers/promises';
import { type BackoffPolicy, DEFAULT_BACKOFF, backoffDelay } from './backoff.js';
import { normaliseSha256 } from './cert-summary.js';
import { type ProbeFn } from './shared.js';
import {
  DEFAULT_TIMEOUT_MS,
  type ProbeOptions,
  type ProbeResult,
  type ProbeTarget,
} from './types.js';

export interface ExpectOptions extends ProbeOptions {
  /** The TLS probe each attempt makes a fresh handshake with (the composition root's). */
  readonly probe: ProbeFn;
  /** Give up after this long, in ms, counted from the first attempt. Default 30 s. */
  readonly deadlineMs?: number;
  /** At most this many probes. Default 20. */
  readonly maxAttempts?: number;
  readonly backoff?: BackoffPolicy;
  /** Source of jitter; tests pass a fixed one. */
  readonly random?: () => number;
  /** Also require a trusted chain and a matching name (what `verified` needs). Default true. */
  readonly requireValid?: boolean;
}

export interface AttemptSummary {
  readonly attempt: number;
  readonly at: string;
  readonly ok: boolean;
  /** Served leaf's SHA-256, or the failure kind when there was no answer. */
  readonly observed: string;
  readonly matched: boolean;
  readonly note?: string;
}

export interface ExpectOutcome {
  readonly passed: boolean;
  /** The last observation: the one that passed, or the one at the deadline. */
  readonly last: ProbeResult;
  readonly attempts: readonly AttemptSummary[];
  readonly reason: string;
}

type Verdict = { readonly matched: boolean; readonly note?: string };

function servesVerdict(r: ProbeResult, want: string, requireValid: boolean): Verdict {
  if (!r.ok) return { matched: false, note: `${r.failure.kind}: ${r.failure.message}` };
  if (r.leaf.sha256 !== want) return { matched: false, note: `serves ${r.leaf.sha256}` };
  if (requireValid && !r.trust.trusted)
    return { matched: false, note: `untrusted: ${r.trust.reason ?? '?'}` };
  if (requireValid && !r.name.matches)
    return { matched: false, note: r.name.reason ?? 'name mismatch' };
  return { matched: true };
}

// "No answer" is never proof that the old certificate is gone: only a handshake that served
// something else counts.
function notServesVerdict(r: ProbeResult, old: string): Verdict {
  if (!r.ok) return { matched: false, note: `${r.failure.kind}: ${r.failure.message}` };
  return r.leaf.sha256 === old ? { matched: false, note: 'still serves it' } : { matched: true };
}

async function retryUntil(
  target: ProbeTarget,
  options: ExpectOptions,
  judge: (r: ProbeResult) => Verdict,
): Promise<ExpectOutcome> {
  const deadlineMs = options.deadlineMs ?? 30_000;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 20);
  const policy = options.backoff ?? DEFAULT_BACKOFF;
  const random = options.random ?? Math.random;
  const { probe, ...probeOptions } = options;
  const started = Date.now();
  const attempts: AttemptSummary[] = [];
  for (let attempt = 1; ; attempt++) {
    const left = deadlineMs - (Date.now() - started);
    const timeoutMs = Math.max(100, Math.min(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, left));
    const last = await probe(target, { ...probeOptions, timeoutMs });
    const v = judge(last);
    attempts.push({
      attempt,
      at: last.at,
      ok: last.ok,
      observed: last.ok ? last.leaf.sha256 : last.failure.kind,
      matched: v.matched,
      ...(v.note !== undefined ? { note: v.note } : {}),
    });
    if (v.matched) return { passed: true, last, attempts, reason: `after ${attempt} attempt(s)` };
    const delay = backoffDelay(policy, attempt, random());
    const spent = Date.now() - started;
    if (options.signal?.aborted === true) {
      return { passed: false, last, attempts, reason: 'aborted' };
    }
    if (attempt >= maxAttempts || spent + delay >= deadlineMs) {
      return {
        passed: false,
        last,
        attempts,
        reason: `not met after ${attempt} attempt(s) in ${spent} ms: ${v.note ?? ''}`,
      };
    }
    try {
      await sleep(delay, undefined, { signal: options.signal });
    } catch {
      return { passed: false, last, attempts, reason: 'aborted' };
    }
  }
}

function canonical(sha256: string): string {
  return normaliseSha256(sha256) ?? sha256.toLowerCase();
}

/** Probe until the target serves `sha256` (with a valid chain and name) or the deadline passes. */
export function expectServes(
  target: ProbeTarget,
  sha256: string,
  options: ExpectOptions,
): Promise<ExpectOutcome> {
  const want = canonical(sha256);
  return retryUntil(target, options, (r) => servesVerdict(r, want, options.requireValid ?? true));
}

/** Probe until the target answers with anything but `sha256`, or the deadline passes. */
export function expectNotServes(
  target: ProbeTarget,
  sha256: string,
  options: ExpectOptions,
): Promise<ExpectOutcome> {
  const old = canonical(sha256);
  return retryUntil(target, options, (r) => notServesVerdict(r, old));
}
