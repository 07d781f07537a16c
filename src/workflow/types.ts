// What the workflow machines exchange. Everything here is plain JSON so snapshots persist and
// restore; live objects (transports, sockets) stay inside the step implementations.
import { type CertrollErrorJson } from '../errors.js';

/** How one binding ended (DESIGN: Run). */
export type BindingStatus = 'verified' | 'rolled-back' | 'needs-attention' | 'skipped';

export interface BindingOutcome {
  readonly status: BindingStatus;
  /** Why: "already serves the new certificate", "not reached", the verify failure ... */
  readonly reason?: string;
  /** SHA-256 the last probe observed (lowercase hex), when there was one. */
  readonly observed?: string;
  /** A verified binding keeps its capture, so an environment rollback can restore it later. */
  readonly captured?: unknown;
}

/** How one host ended. `untouched` means nothing was changed on it (failure before any bind). */
export type HostStatus =
  'verified' | 'rolled-back' | 'needs-attention' | 'untouched' | 'unreachable';

export interface HostOutput {
  readonly host: string;
  readonly status: HostStatus;
  readonly bindings: Readonly<Record<string, BindingOutcome>>;
  readonly error?: CertrollErrorJson;
}

/** What a probe-based check reports to the machine (never an exception for a wrong cert). */
export interface VerifyResult {
  readonly ok: boolean;
  readonly observed?: string;
  readonly reason?: string;
  /** For a unit of several bindings: each member's own result (`ok` is true when all are). */
  readonly bindings?: Readonly<Record<string, VerifyResult>>;
}

/** What capture learned about a binding, kept for rollback (opaque to the machine). */
export interface CaptureResult {
  /** The binding already serves (and is configured with) the new certificate: nothing to do. */
  readonly alreadyCurrent: boolean;
  readonly state: unknown;
  /** For a unit of several bindings: each member's own capture (default: this one). */
  readonly members?: Readonly<Record<string, CaptureResult>>;
}

export interface HostRef {
  readonly name: string;
  readonly bindings: readonly string[];
  /**
   * The bindings grouped into units that are staged, bound, verified and undone together (see
   * src/plan/units.ts); each unit's first binding is its leader. Default: one unit per binding.
   */
  readonly units?: readonly (readonly string[])[];
  /** Cold-start check: restart each service after verification and verify again. */
  readonly coldStart?: boolean;
  /**
   * What a failure undoes: every unit bound on the host (`host`, the default), or only the unit
   * that failed (`unit`: units bound before it stay verified, the units after it are not reached).
   */
  readonly undo?: 'host' | 'unit';
  /**
   * Unit leaders that are members of a pool with a balancer: drained before their bind and
   * returned to the pool only once proven (new, or the previous certificate after an undo).
   */
  readonly drain?: readonly string[];
  /** Unit leaders undone after every other unit (src/plan/units.ts undoneLast). */
  readonly undoLast?: readonly string[];
}

/**
 * A step on one unit: `binding` is its leader (the binding the playbook is rendered for) and
 * `captured` the leader's capture; `bindings` every member, `capturedBy` each member's capture.
 */
export interface BindingStepInput {
  readonly host: string;
  readonly binding: string;
  readonly captured: unknown;
  readonly bindings?: readonly string[];
  readonly capturedBy?: Readonly<Record<string, unknown>>;
}

export interface CaptureInput {
  readonly host: string;
  /** The unit's leader. */
  readonly binding: string;
  /** Every member of the unit (default: the leader alone). */
  readonly bindings?: readonly string[];
}

export interface HostStepInput {
  readonly host: string;
}

export interface LockInput extends HostStepInput {
  /**
   * The first unit's leader: on sh hosts its pre-flight and capture run in the lock's own
   * command (after the lock, never without it), and its capture step takes that result.
   */
  readonly capture?: string;
}

export interface StageInput extends HostStepInput {
  readonly bindings: readonly { readonly binding: string; readonly captured: unknown }[];
}

/** The steps a host machine invokes; each is provided by injected implementations. */
export interface HostSteps {
  connect(input: HostStepInput, signal: AbortSignal): Promise<void>;
  lockHost(input: LockInput, signal: AbortSignal): Promise<void>;
  capture(input: CaptureInput, signal: AbortSignal): Promise<CaptureResult>;
  /** Puts the new material on the host for every binding that will change (with its capture). */
  stage(input: StageInput, signal: AbortSignal): Promise<void>;
  bind(input: BindingStepInput, signal: AbortSignal): Promise<void>;
  verify(input: BindingStepInput, signal: AbortSignal): Promise<VerifyResult>;
  rollback(input: BindingStepInput, signal: AbortSignal): Promise<void>;
  verifyRollback(input: BindingStepInput, signal: AbortSignal): Promise<VerifyResult>;
  /** Restarts the binding's service (the cold-start check); a failure undoes the host. */
  restart(input: BindingStepInput, signal: AbortSignal): Promise<void>;
  /** Takes the unit's pool member out of its balancer and waits (bounded) for its connections. */
  drain(input: BindingStepInput, signal: AbortSignal): Promise<void>;
  /** Puts a proven pool member back into its balancer. */
  returnToPool(input: BindingStepInput, signal: AbortSignal): Promise<void>;
  /** Removes staged material; on sh hosts its last command also releases the host lock. */
  cleanup(input: HostStepInput, signal: AbortSignal): Promise<void>;
  /**
   * Releases the host lock if this run took it (`locked`) and the cleanup did not already, then
   * closes the connection. Releasing a lock that is gone is no error.
   */
  release(input: HostStepInput & { locked: boolean }, signal: AbortSignal): Promise<void>;
}

export interface EnvironmentRef {
  readonly name: string;
  readonly hosts: readonly HostRef[];
  readonly canary: readonly string[];
  readonly batchSize: number;
  readonly concurrency: number;
  readonly failureBudget: number;
  readonly onFailure: 'halt' | 'rollback-environment';
  /** Restart each service after verification and verify again. */
  readonly coldStartCheck?: boolean;
  /** What a failure on a host undoes (HostRef.undo; default host). */
  readonly undo?: 'host' | 'unit';
  /** The environment's pools, checked whole once their members are done. */
  readonly pools?: readonly PoolRef[];
}

export interface PoolRef {
  readonly name: string;
  readonly members: readonly { readonly host: string; readonly binding: string }[];
  readonly onMemberFailure: 'stay-mixed' | 'rollback-pool';
}

/**
 * How a pool ended. verified: every member proven directly and every VIP sample served the new
 * certificate. mixed: some members on the new certificate, some not (a member failed; policy
 * stay-mixed). rolled-back: a member failed and the pool's verified members were rolled back
 * (policy rollback-pool). failed: every member done, but the pool check did not pass.
 * unchanged: no member was changed.
 */
export type PoolState = 'verified' | 'mixed' | 'rolled-back' | 'failed' | 'unchanged';

export interface PoolOutcome {
  readonly name: string;
  readonly state: PoolState;
  /** `host binding` -> that member's status (`not-reached` when its host never started). */
  readonly members: Readonly<Record<string, BindingStatus | 'not-reached'>>;
  readonly reason?: string;
}

export interface PoolCheckInput {
  readonly env: string;
  readonly hosts: Readonly<Record<string, HostOutput>>;
}

export interface PoolCheckResult {
  /** false when a pool check failed (a member failing is the environment's failure already). */
  readonly ok: boolean;
  readonly reason?: string;
  readonly pools: readonly PoolOutcome[];
  /** Host outputs changed by a pool rollback (policy rollback-pool). */
  readonly hosts?: Readonly<Record<string, HostOutput>>;
}

/**
 * succeeded: every host ran (failures within the budget are counted in `failures`).
 * failed: stopped (canary failed or budget spent). rolled-back: stopped, and completed hosts undone.
 */
/** `interrupted`: the operator stopped it before every host started; none failed. */
export type EnvironmentStatus = 'succeeded' | 'failed' | 'rolled-back' | 'interrupted';

export interface EnvironmentOutput {
  readonly env: string;
  readonly status: EnvironmentStatus;
  readonly hosts: Readonly<Record<string, HostOutput>>;
  /** Hosts never started because the environment stopped. */
  readonly notStarted: readonly string[];
  readonly failures: number;
  readonly reason?: string;
  /** Each pool of the environment, after its check (absent when it has none). */
  readonly pools?: readonly PoolOutcome[];
}

/** Environment-level step: restore a completed host's previous bindings and prove them. */
export interface EnvironmentSteps {
  rollbackHost(
    input: { host: string; output: HostOutput },
    signal: AbortSignal,
  ): Promise<HostOutput>;
}

export interface RolloutEnvironmentRef extends EnvironmentRef {
  /** Ask before this environment starts (a prompt, or --approve ENV / --yes). */
  readonly approval: boolean;
  /** Wait this long after the environment, then probe all its bindings again. */
  readonly soakMs: number;
}

export interface RolloutRef {
  readonly runId: string;
  readonly environments: readonly RolloutEnvironmentRef[];
}

export interface RolloutOutput {
  readonly runId: string;
  /**
   * succeeded only when every environment ran and every binding ended verified or current;
   * interrupted when the operator stopped it and nothing failed.
   */
  readonly status: 'succeeded' | 'failed' | 'interrupted';
  readonly environments: readonly EnvironmentOutput[];
  readonly notStarted: readonly string[];
  readonly reason?: string;
}

/** Rollout-level steps: the approval gate and the soak re-probe. */
export interface RolloutSteps {
  approve(input: { env: string }, signal: AbortSignal): Promise<boolean>;
  soak(input: { env: string; soakMs: number }, signal: AbortSignal): Promise<VerifyResult>;
  /** Judges each pool of the environment once its hosts are done (see PoolOutcome). */
  poolCheck(input: PoolCheckInput, signal: AbortSignal): Promise<PoolCheckResult>;
}
