// Who runs a change and why: the operator (a person or a pipeline) and the change ticket it
// belongs to. Kept in the plan document, the run's journal, its audit log, `runs`, `show` and the
// reports, so a change board can match a run to its request.
import { CertrollError } from '../errors.js';

export interface ChangeInfo {
  readonly operator: string;
  readonly ticket?: string;
}

// Printable, one line, short: it is shown in tables and sent in notifications.
const FIELD = /^[\p{L}\p{N}][\p{L}\p{N} ._@+/:#-]{0,127}$/u;

/** A `--operator` or `--ticket` value checked, or a USAGE error naming it and the rule. */
export function checkChangeField(flag: '--operator' | '--ticket', value: string): string {
  if (FIELD.test(value)) return value;
  throw new CertrollError('USAGE', `${flag} ${JSON.stringify(value)} is not accepted.`, {
    field: flag,
    hint: `Use 1 to 128 letters, digits, spaces or . _ @ + / : # - starting with a letter or digit (e.g. ${flag === '--ticket' ? 'CHG-1234' : 'alice'}).`,
  });
}

/**
 * The change info of a command: `--operator` (else `osUser`: whoever runs this command, not who
 * made the plan) and `--ticket` (else the plan's: a plan made for a ticket is applied for it).
 */
export function changeInfo(
  cli: { readonly operator?: string; readonly ticket?: string },
  osUser: string,
  fromPlan?: ChangeInfo,
): ChangeInfo {
  const operator = checkChangeField('--operator', cli.operator ?? osUser);
  const ticketValue = cli.ticket ?? fromPlan?.ticket;
  const ticket = ticketValue === undefined ? undefined : checkChangeField('--ticket', ticketValue);
  return { operator, ...(ticket !== undefined ? { ticket } : {}) };
}
