// What the rollout's use cases are given by the composition root (src/cli/compose.ts): where
// connections come from, how a binding is proven, the TLS probe, and the audit log of a run. The
// use cases never build one themselves, so a test can run them in-process over the real lab with
// a fake only where a port allows.
import { type Host } from '../inventory/model.js';
import { type Logger } from '../log/index.js';
import { type RunEvent } from '../notify/events.js';
import { type ProbeFn } from '../probe/shared.js';
import { type Transport } from '../transport/types.js';
import { type BindingVerifier } from '../workflow/ports.js';

export interface RolloutAdapters {
  /** A connection to the host (a lease of the command's pool: one connection per host). */
  readonly transportFor: (host: Host) => Transport;
  /**
   * A verifier that validates served chains against `trust`; `probe` is what it asks what a
   * port serves now with (a plan shares those answers with its coverage gate); `fresh` is what
   * its proofs make their fresh handshakes with (a run notes their answers for its sweep).
   */
  readonly verifier: (
    trust: readonly string[],
    probe?: ProbeFn,
    fresh?: ProbeFn,
  ) => BindingVerifier;
  /** The TLS probe, for discovery (the coverage gate and the sweep). */
  readonly probe: ProbeFn;
  /**
   * The run's audit log, written to `file` (0600, redacted). Asynchronous so that the logging
   * library loads only when a run opens its log: a scan or a plan never does.
   */
  readonly auditLog: (file: string) => Promise<Logger>;
}

/**
 * Where a run's events go as they happen (webhooks: src/notify/webhook.ts). `notify` only queues:
 * it returns at once and never throws, so a notification can neither slow nor change a run.
 */
export interface RunNotifier {
  notify(event: RunEvent): void;
}

/** What a run tells the one who started it, as it goes. */
export interface RunObserver {
  /** The run folder exists; the run is about to start (or resume). */
  started?(runId: string, dir: string): void;
  /** One journal record (`step-started`, `step-finished`, `step-failed` ...). Never throws. */
  record?(type: string, data: Record<string, unknown>): void;
  /** Resolves once everything recorded so far is shown (before an approval prompt). */
  idle?(): Promise<void>;
  /** The run's machines stopped; nothing more will be recorded. */
  close?(): Promise<void>;
}
