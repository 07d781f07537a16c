// Undoing one unit: run its rollback step, then always probe every member, and let the probe judge
// (src/workflow/outcome.ts). The host machine takes the same two steps as separate journaled
// states (so a resumed run knows which one was under way) and judges with the same function;
// `rollback RUN` and an environment's rollback of finished hosts take them through here.
import { toCertrollError } from '../errors.js';
import { rollbackOutcome } from './outcome.js';
import { type BindingOutcome, type BindingStepInput, type HostSteps } from './types.js';

export type UndoSteps = Pick<HostSteps, 'rollback' | 'verifyRollback'>;

/** Each member of the unit with its verdict. */
export async function undoUnit(
  steps: UndoSteps,
  input: BindingStepInput,
  signal: AbortSignal,
): Promise<Record<string, BindingOutcome>> {
  const members = input.bindings ?? [input.binding];
  let undoFailure: string | undefined;
  try {
    await steps.rollback(input, signal);
  } catch (error) {
    undoFailure = toCertrollError(error).message;
  }
  try {
    const proof = await steps.verifyRollback(input, signal);
    return Object.fromEntries(
      members.map((id) => [id, rollbackOutcome(proof.bindings?.[id] ?? proof, undoFailure)]),
    );
  } catch (error) {
    const checkFailure = toCertrollError(error).message;
    return Object.fromEntries(
      members.map((id) => [id, rollbackOutcome(undefined, undoFailure, checkFailure)]),
    );
  }
}
