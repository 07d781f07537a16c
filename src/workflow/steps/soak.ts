// The soak after an environment: wait, then probe every binding of it again; a binding that no
// longer serves the new certificate fails the environment. The wait ends early on abort.
import { type Inventory } from '../../inventory/model.js';
import { type BindingVerifier } from '../ports.js';
import { type VerifyResult } from '../types.js';

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

const abortableSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

export async function soak(
  d: { inventory: Inventory; verifier: BindingVerifier; next: string; sleep?: Sleep },
  { env, soakMs }: { env: string; soakMs: number },
  signal: AbortSignal,
): Promise<VerifyResult> {
  await (d.sleep ?? abortableSleep)(soakMs, signal);
  const e = d.inventory.environments.find((x) => x.name === env);
  for (const h of e?.hosts ?? []) {
    for (const b of h.bindings) {
      const r = await d.verifier.serves(b, d.next, signal);
      if (!r.ok)
        return {
          ok: false,
          reason: `${h.name} ${b.id}: ${r.reason ?? 'no longer serves the new certificate'}`,
        };
    }
  }
  return { ok: true };
}
