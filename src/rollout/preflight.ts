// Pre-flight, part two: reach every host and capture every binding, read-only (the playbooks'
// preflight and capture steps, and one probe of what is served now). Any failure stops here,
// before anything changed; the error says so.
import pLimit from 'p-limit';
import { CertrollError, toCertrollError, type ErrorCode, type ErrorDetail } from '../errors.js';
import { type Environment, type Host } from '../inventory/model.js';
import { unitsOf, type Unit } from '../plan/units.js';
import { type Transport } from '../transport/types.js';
import { createRolloutSteps, type BindingVerifier } from '../workflow/steps.js';
import { type CaptureResult } from '../workflow/types.js';
import { bindingKey, type CapturedBinding } from '../plan/document.js';
import { NOTHING_TOUCHED, type Prepared } from './prepare.js';

export interface PreflightOptions {
  readonly runId: string;
  readonly concurrency?: number;
  readonly verifier: BindingVerifier;
  readonly stateDirFor?: Parameters<typeof createRolloutSteps>[0]['stateDirFor'];
  /** Where connections come from (the command's pool). */
  readonly transportFor: (host: Host) => Transport;
  /** Told of each unit captured (the plan renders its commands from the capture). */
  readonly onUnit?: (env: Environment, host: Host, unit: Unit, capture: CaptureResult) => void;
}

/**
 * What the plan records per binding of a captured unit. A unit is bound as a whole, so a member
 * that already serves the new certificate is still rebound (and verified again) when any other
 * member is not current: the plan says `replace` for it too, as the run will do.
 */
export function unitRecords(
  unit: readonly string[],
  c: CaptureResult,
): [id: string, record: CapturedBinding][] {
  return unit.map((id) => {
    const own = c.members?.[id] ?? c;
    const state = own.state as { previous?: string };
    return [
      id,
      {
        alreadyCurrent: c.alreadyCurrent && own.alreadyCurrent,
        state: own.state,
        ...(state.previous !== undefined ? { previous: state.previous } : {}),
      },
    ];
  });
}

export async function captureAll(
  prepared: Prepared,
  options: PreflightOptions,
): Promise<Map<string, CapturedBinding>> {
  const steps = createRolloutSteps({
    runId: options.runId,
    inventory: prepared.inventory,
    playbooks: prepared.playbooks,
    cert: prepared.cert,
    material: prepared.material,
    windowsFacts: prepared.windowsFacts,
    transportFor: options.transportFor,
    verifier: options.verifier,
    ...(options.stateDirFor !== undefined ? { stateDirFor: options.stateDirFor } : {}),
  });
  const captures = new Map<string, CapturedBinding>();
  const problems: ErrorDetail[] = [];
  const codes = new Set<ErrorCode>();
  const limit = pLimit(options.concurrency ?? 8);
  const signal = new AbortController().signal;
  const jobs = prepared.inventory.environments.flatMap((e) =>
    e.hosts.map((h) =>
      limit(async () => {
        try {
          await steps.connect({ host: h.name }, signal);
          // One capture per unit (bindings changed together), recorded per binding.
          for (const unit of unitsOf(h, (k) => prepared.playbooks.get(k))) {
            const c = await steps.capture(
              {
                host: h.name,
                binding: unit[0] ?? '',
                ...(unit.length > 1 ? { bindings: unit } : {}),
              },
              signal,
            );
            for (const [id, record] of unitRecords(unit, c))
              captures.set(bindingKey(e.name, h.name, id), record);
            options.onUnit?.(e, h, unit, c);
          }
        } catch (error) {
          const e2 = toCertrollError(error);
          codes.add(e2.code);
          problems.push({
            ...h.origin,
            message: `${h.name}: [${e2.code}] ${e2.message}`,
            ...(e2.hint !== undefined ? { hint: e2.hint } : {}),
          });
        } finally {
          await steps.release({ host: h.name, locked: false }, signal).catch(() => undefined);
        }
      }),
    ),
  );
  await Promise.all(jobs);
  if (problems.length > 0) {
    throw new CertrollError(
      'TRANSPORT_UNREACHABLE',
      `Pre-flight failed on ${problems.length} host(s). ${NOTHING_TOUCHED}`,
      {
        details: problems,
        hint: 'Every host must be reached and every binding captured before anything changes; fix the hosts named above and plan again.',
      },
    );
  }
  return captures;
}
