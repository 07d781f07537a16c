// The probe's public surface: expectations with retry, pools, the scan. The real probe itself
// (./probe.js) is an adapter: the composition root builds it and hands it to these as `probe`.
export { DEFAULT_TIMEOUT_MS } from './types.js';
export { sharedProbe, type ProbeFn } from './shared.js';
export {
  expectServes,
  expectNotServes,
  type AttemptSummary,
  type ExpectOptions,
  type ExpectOutcome,
} from './expect.js';
export { backoffDelay, backoffSchedule, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
export { analysePool, majority, type PoolObservation, type PoolVerdict } from './pool-analysis.js';
export { planScan, DEFAULT_VIP_SAMPLES, type ScanSelection } from './scan-plan.js';
export {
  scanInventory,
  probeEndpoints,
  buildReport,
  DEFAULT_CONCURRENCY,
  type ScanOptions,
} from './scan.js';
export { canonicalFingerprint, normaliseSha256 } from './cert-summary.js';
export { describeTarget } from './types.js';
export type * from './types.js';
export type * from './scan-types.js';
