// How a binding ended, decided in one place. The host machine's undo, `rollback RUN` and the
// progress view all judge a rollback the same way: by what the probe saw afterwards, never by the
// exit code of the rollback's command alone. A command that reported a failure while the port
// serves the previous certificate again still rolled the binding back (the failure is kept in the
// detail); only a binding whose port cannot be shown to serve it needs attention.
import { type BindingOutcome, type VerifyResult } from './types.js';

/** The reasons that are the same wherever they are given. */
export const REASON = {
  alreadyCurrent: 'already serves the new certificate',
  notReached: 'not reached',
  noCapture: 'no capture kept to roll back from',
} as const;

/** The outcome of a binding after a probe confirmed it serves the new certificate. */
export function verifiedOutcome(
  result: VerifyResult | undefined,
  captured?: unknown,
): BindingOutcome {
  return withObserved(
    { status: 'verified', ...(captured !== undefined ? { captured } : {}) },
    result ?? { ok: true },
  );
}

/**
 * A rolled-back binding's verdict. `proof`: what the rollback's probe found (undefined when the
 * probe itself could not run); `undoFailure`: the message of a rollback command that failed;
 * `checkFailure`: the message of a probe that could not run.
 */
export function rollbackOutcome(
  proof: VerifyResult | undefined,
  undoFailure?: string,
  checkFailure?: string,
): BindingOutcome {
  if (proof?.ok === true) {
    return withObserved(
      {
        status: 'rolled-back',
        ...(undoFailure !== undefined
          ? {
              reason: `serves the previous certificate again, though the rollback reported: ${undoFailure}`,
            }
          : {}),
      },
      proof,
    );
  }
  const why = checkFailure ?? proof?.reason ?? 'probe failed';
  const reason =
    checkFailure !== undefined
      ? `rollback check failed: ${why}`
      : `previous certificate not proven after rollback: ${why}`;
  return withObserved(
    {
      status: 'needs-attention',
      reason:
        undoFailure !== undefined ? `${reason}; the rollback reported: ${undoFailure}` : reason,
    },
    proof ?? { ok: false },
  );
}

export function withObserved(outcome: BindingOutcome, result: VerifyResult): BindingOutcome {
  return result.observed === undefined ? outcome : { ...outcome, observed: result.observed };
}
