import { type ErrorCode } from '../errors.js';

// Exit statuses, documented in README.md ("Exit codes"). Success and outcome codes are small
// numbers; errors use the BSD sysexits values so scripts can tell a bad input from a down host.
export const EXIT = {
  OK: 0,
  /** A check or an operation failed: gate failed, a binding not verified, leftovers found. */
  FAILED: 1,
  /** `plan`: changes are planned. `scan`: CRITICAL. */
  CHANGES: 2,
  /** `scan`: UNKNOWN (the scan itself could not run). */
  UNKNOWN: 3,
  USAGE: 64,
  DATA: 65,
  NO_INPUT: 66,
  UNAVAILABLE: 69,
  INTERNAL: 70,
  TEMP_FAIL: 75,
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const BY_CODE: Record<ErrorCode, ExitCode> = {
  USAGE: EXIT.USAGE,
  INPUT_NOT_FOUND: EXIT.NO_INPUT,
  INPUT_UNREADABLE: EXIT.NO_INPUT,
  INPUT_TOO_LARGE: EXIT.DATA,
  CERT_PARSE: EXIT.DATA,
  CERT_PASSWORD: EXIT.DATA,
  CERT_BUNDLE: EXIT.DATA,
  CERT_UNSUPPORTED: EXIT.DATA,
  CERT_GATE_FAILED: EXIT.FAILED,
  INVENTORY_YAML: EXIT.DATA,
  INVENTORY_INVALID: EXIT.DATA,
  PLAYBOOK_INVALID: EXIT.DATA,
  PLAYBOOK_NOT_FOUND: EXIT.DATA,
  PLAYBOOK_OUTPUT: EXIT.FAILED,
  TRANSPORT_HOST_KEY: EXIT.UNAVAILABLE,
  TRANSPORT_AUTH: EXIT.UNAVAILABLE,
  TRANSPORT_UNREACHABLE: EXIT.UNAVAILABLE,
  TRANSPORT_TIMEOUT: EXIT.UNAVAILABLE,
  TRANSPORT_COMMAND_FAILED: EXIT.FAILED,
  TRANSPORT_ABORTED: EXIT.INTERRUPTED,
  PROBE_FAILED: EXIT.UNAVAILABLE,
  HOST_UNSUPPORTED: EXIT.UNAVAILABLE,
  PLAN_STALE: EXIT.DATA,
  PLAN_INVALID: EXIT.DATA,
  COVERAGE_GAP: EXIT.FAILED,
  LOCK_HELD: EXIT.TEMP_FAIL,
  JOURNAL_INVALID: EXIT.DATA,
  RUN_NOT_FOUND: EXIT.NO_INPUT,
  ABORTED: EXIT.INTERRUPTED,
  INTERNAL: EXIT.INTERNAL,
};

export function exitCodeFor(code: ErrorCode): ExitCode {
  return BY_CODE[code];
}
