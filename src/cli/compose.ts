// The composition root: the one place that builds the real adapters (the connection pool and its
// transports, the TLS probe, the verifier over it, the audit logger) and hands them to the use
// cases as ports (src/rollout/ports.ts). A test builds its own instead.
import { createLogger, Redactor } from '../log/index.js';
import { probe } from '../probe/probe.js';
import type { ProbeFn } from '../probe/shared.js';
import { probeVerifier, VERIFY_BACKOFF, type VerifierOptions } from '../probe/verifier.js';
import type { RolloutAdapters } from '../rollout/ports.js';
// Types only (elided from the output): the transports load when a command opens a pool.
import type { TransportPool } from '../transport/pool.js';
import type { DemoPorts } from '../demo/run.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';

/** How long a binding is given to be proven, and how long one handshake may take. */
export const VERIFY_LIMITS = { deadlineMs: 30_000, timeoutMs: 5_000 } as const;

/** The adapters over one connection pool (one connection per host for the whole command). */
export function rolloutAdapters(
  pool: TransportPool,
  verify: Pick<VerifierOptions, 'deadlineMs' | 'timeoutMs'> = VERIFY_LIMITS,
): RolloutAdapters {
  return {
    transportFor: pool.lease,
    verifier: (trust, current) =>
      probeVerifier({
        probe,
        trust,
        ...verify,
        backoff: VERIFY_BACKOFF,
        ...(current !== undefined ? { currentProbe: current } : {}),
      }),
    probe,
    auditLog: (file) => createLogger({ redactor: new Redactor(), file }),
  };
}

/** The scan's adapters: the TLS probe only (a scan never connects to a host itself). */
export function scanAdapters(): { readonly probe: ProbeFn } {
  return { probe };
}

/**
 * One connection pool for the command, its limit from the command's environment; closed after.
 * The transports load only here: `certroll scan` takes the probe from this module without them.
 */
export async function withAdapters<T>(
  env: Readonly<Record<string, string | undefined>>,
  fn: (adapters: RolloutAdapters, pool: TransportPool) => Promise<T>,
  verify?: Pick<VerifierOptions, 'deadlineMs' | 'timeoutMs'>,
): Promise<T> {
  const { withTransportPool } = await import('../transport/pool.js');
  return withTransportPool((pool) => fn(rolloutAdapters(pool, verify), pool), undefined, { env });
}

/** The demo's ports: the same adapters, preview and run as `certroll rollout`, shorter deadlines. */
export async function demoPorts(io: CliIo): Promise<DemoPorts> {
  const [{ DEMO_VERIFY }, { renderPreview }, { runAndReport }] = await Promise.all([
    import('../demo/run.js'),
    import('./rollout/preview.js'),
    import('./rollout/run-output.js'),
  ]);
  return {
    withAdapters: (fn) => withAdapters(io.env, fn, DEMO_VERIFY),
    preview: (plan) => renderPreview(plan),
    apply: async (plan, prepared, o) =>
      (await runAndReport(plan, prepared, { ...o, yes: true, approve: [] }, io)).outcome,
    probe,
    exitInterrupted: () => process.exit(EXIT.INTERRUPTED),
  };
}
