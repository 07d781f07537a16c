// The exit code a scan report ends with. The status rules themselves are the scan's decision and
// live with it (src/probe/status.ts); this only says how a monitoring system reads a status.
import { type Status } from '../probe/scan-types.js';

const EXIT: Readonly<Record<Status, 0 | 1 | 2 | 3>> = {
  OK: 0,
  WARNING: 1,
  CRITICAL: 2,
  UNKNOWN: 3,
};

/** Monitoring plugin exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. */
export function exitCodeForStatus(s: Status): 0 | 1 | 2 | 3 {
  return EXIT[s];
}
