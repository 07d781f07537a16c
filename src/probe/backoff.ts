// Exponential backoff with full jitter, as a pure schedule so it can be tested exactly.

export interface BackoffPolicy {
  /** Delay before the second attempt, in ms. */
  readonly initialMs: number;
  readonly factor: number;
  /** No single delay is longer than this. */
  readonly maxMs: number;
  /** 0: exact delays; 1: each delay uniformly in [d/2, d] ("equal jitter" at 1). */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 250, factor: 2, maxMs: 4000, jitter: 1 };

/** Delay after attempt `attempt` (1-based), given a random number in [0, 1). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: number): number {
  const exp = policy.initialMs * policy.factor ** Math.max(0, attempt - 1);
  const capped = Math.min(policy.maxMs, exp);
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  return Math.round(capped * (1 - (jitter * random) / 2));
}

/** The delays (without jitter) that fit before `budgetMs` is spent, at most `maxAttempts - 1`. */
export function backoffSchedule(
  policy: BackoffPolicy,
  maxAttempts: number,
  budgetMs: number,
): number[] {
  const out: number[] = [];
  let spent = 0;
  for (let attempt = 1; attempt < maxAttempts; attempt++) {
    const d = backoffDelay(policy, attempt, 0);
    if (spent + d > budgetMs) break;
    spent += d;
    out.push(d);
  }
  return out;
}
