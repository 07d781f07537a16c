// Proving a unit on the wire: every member of the unit is probed at once, and the unit is proven
// only when every member is. Each member keeps its own result, so outcomes stay per binding.
import { type Binding } from '../../inventory/model.js';
import { hostnamesOnPort } from '../../playbooks/capture.js';
import { type BindingCapture, type BindingVerifier } from '../ports.js';
import { type BindingStepInput, type VerifyResult } from '../types.js';
import { type Lookup } from './lookup.js';

/** Runs `check` for every member of the unit at once; ok when every member is. */
export async function everyMember(
  input: BindingStepInput,
  check: (id: string) => Promise<VerifyResult>,
): Promise<VerifyResult> {
  const ids = input.bindings ?? [input.binding];
  if (ids.length === 1) return check(ids[0]!);
  const results = await Promise.all(ids.map(async (id) => [id, await check(id)] as const));
  const failed = results.find(([, r]) => !r.ok);
  const lead = failed ?? results[0]!;
  return {
    ok: failed === undefined,
    ...(lead[1].observed !== undefined ? { observed: lead[1].observed } : {}),
    ...(failed !== undefined
      ? { reason: `${failed[0]}: ${failed[1].reason ?? 'probe failed'}` }
      : {}),
    bindings: Object.fromEntries(results),
  };
}

/**
 * The binding as clients reach it: besides the inventory's SNI names, every host name an http.sys
 * hostnameport binding on its port answers to (captured), so a hostname binding left on the old
 * certificate fails verification instead of hiding behind the address binding.
 */
export function asClientsReachIt(b: Binding, capture: BindingCapture | undefined): Binding {
  const names = capture === undefined ? [] : hostnamesOnPort(capture.captured, b.port);
  const extra = names.filter((n) => !b.probe.sni.includes(n));
  if (extra.length === 0) return b;
  return { ...b, probe: { ...b.probe, sni: [...b.probe.sni, ...extra] } };
}

const captureOf = (input: BindingStepInput, id: string): BindingCapture | undefined =>
  (input.capturedBy?.[id] ?? input.captured) as BindingCapture | undefined;

export function verifySteps(look: Lookup, verifier: BindingVerifier, next: string) {
  return {
    /** Every member serves the new certificate. */
    verify: (input: BindingStepInput, signal: AbortSignal): Promise<VerifyResult> => {
      const h = look.host(input.host);
      return everyMember(input, (id) =>
        verifier.serves(asClientsReachIt(look.binding(h, id), captureOf(input, id)), next, signal),
      );
    },
    /**
     * Every member serves its previous certificate again, when it is known; a port that served
     * nothing before can only be proven not to serve the new one.
     */
    verifyRollback: (input: BindingStepInput, signal: AbortSignal): Promise<VerifyResult> => {
      const h = look.host(input.host);
      return everyMember(input, (id) => {
        const capture = captureOf(input, id);
        const b = asClientsReachIt(look.binding(h, id), capture);
        const previous = capture?.previous;
        return previous !== undefined
          ? verifier.serves(b, previous, signal, true)
          : verifier.notServes(b, next, signal);
      });
    },
  };
}
