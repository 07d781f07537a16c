// certroll as a library: the same use cases the CLI runs, over adapters you build with
// `withAdapters` (one connection pool, the TLS probe, the verifier, the audit log) or your own.
//
//   import { loadInventory, prepareRollout, makePlan, lockRun, applyPlan, withAdapters } from 'certroll';
//   const prepared = await prepareRollout({ inventory: 'prod.yaml', cert: 'site.pfx', passwordEnv: 'PFX_PASS' }, process.env);
//   await withAdapters(process.env, async (adapters) => {
//     const { plan, known } = await makePlan(prepared, { adapters, inventoryPath: 'prod.yaml', bundle: { path: 'site.pfx' } });
//     const locks = lockRun(stateDir, prepared.inventory.environments);
//     try {
//       const outcome = await applyPlan(plan, prepared, { stateDir, locks, adapters, known, approve: async () => true });
//     } finally { locks.release(); }
//   });
//
// Every error is a CertrollError with a code, the offending value, where it came from and a hint.

// Errors
export {
  CertrollError,
  ERROR_CODES,
  isCertrollError,
  type CertrollErrorJson,
  type ErrorCode,
  type ErrorDetail,
} from './errors.js';

// Inputs: inventories, playbooks, bundles
export { loadInventory } from './inventory/index.js';
export type * from './inventory/model.js';
export { loadPlaybooks, type Playbook, type PlaybookRegistry } from './playbooks/index.js';
export { loadBundle, checkBundle, fingerprints } from './cert/index.js';
export type { CertIdentity, CertSummary } from './cert/identity.js';

// The rollout: prepare (no host), plan (read-only), apply, resume, rollback and purge
export {
  prepareRollout,
  NOTHING_TOUCHED,
  type Prepared,
  type RolloutInputs,
} from './rollout/prepare.js';
export { makePlan, type MadePlan, type MakePlanOptions } from './rollout/make-plan.js';
export { applyPlan, type ApplyOptions, type ApplyOutcome } from './rollout/apply.js';
export { assertPlanFresh, lockRun, preflightApply } from './rollout/apply-checks.js';
export {
  loadFinishedRun,
  purgeFinished,
  rollbackFinished,
  type FinishedRun,
  type FinishedRunOptions,
  type RollbackOutcome,
} from './rollout/finished-run.js';
// What runs kept on their hosts for a rollback, and the retention policy that purges them
export {
  listBackups,
  retentionChoice,
  purgeChosen,
  type BackupsListing,
} from './rollout/run-backups.js';
export {
  chooseRetention,
  type RetentionPolicy,
  type RetentionChoice,
} from './rollout/retention.js';
export type { RunBackups, HostBackup, BindingBackup, Kept } from './rollout/backups.js';
export type { RolloutAdapters, RunObserver } from './rollout/ports.js';
export { buildPlan, parsePlan, changesPlanned, type PlanDocument } from './plan/document.js';
export type {
  BindingOutcome,
  BindingStatus,
  HostOutput,
  HostStatus,
  RolloutOutput,
} from './workflow/types.js';
export type { BindingVerifier } from './workflow/ports.js';

// Monitoring: scan and discover
export { scanInventory } from './probe/scan.js';
export { probe } from './probe/probe.js';
export { discoverHosts } from './discover/run.js';

// The real adapters (the CLI's composition root)
export { rolloutAdapters, withAdapters } from './cli/compose.js';
