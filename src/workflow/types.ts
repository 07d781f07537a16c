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

export interface StageInput extends HostStepInput {
  readonly bindings: readonly { readonly binding: string; readonly captured: unknown }[];
}

/** The steps a host machine invokes; each is provided by injected implementations. */
export interface HostSteps {
  connect(input: HostStepInput, signal: AbortSignal): Promise<void>;
  lockHost(input: HostStepInput, signal: AbortSignal): Promise<void>;
  capture(input: CaptureInput, signal: AbortSignal): Promise<CaptureResult>;
  /** Puts the new material on the host for every binding that will change (with its capture). */
  stage(input: StageInput, signal: AbortSignal): Promise<void>;
  bind(input: BindingStepInput, signal: AbortSignal): Promise<void>;
  verify(input: BindingStepInput, signal: AbortSignal): Promise<VerifyResult>;
  rollback(input: BindingStepInput, signal: AbortSignal): Promise<void>;
  verifyRollback(input: BindingStepInput, signal: AbortSignal): Promise<VerifyResult>;
  /** Restarts the binding's service (the cold-start check); a failure undoes the host. */
  restart(input: BindingStepInput, signal: AbortSignal): Promise<void>;
  cleanup(input: HostStepInput, signal: AbortSignal): Promise<void>;
  /** Releases the host lock if this run took it (`locked`), then closes the connection. */
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
}
