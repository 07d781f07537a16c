// The BindingVerifier over the TLS probe: every SNI name of a binding is probed at its address,
// and for a load-balanced binding every pool member directly, then the VIP. A binding is proven
// only when every one of those probes saw the expected leaf (invariant 1).
import { expectNotServes, expectServes, type ExpectOptions } from './expect.js';
import { type ProbeFn } from './shared.js';
import { type ProbeTarget } from './types.js';
import { type Binding } from '../inventory/model.js';
// Types only (elided from the output): the workflow's modules load with the rollout, not the scan.
import type { BindingVerifier } from '../workflow/ports.js';
import { type VerifyResult } from '../workflow/types.js';

export type VerifierOptions = Pick<
  ExpectOptions,
  'probe' | 'deadlineMs' | 'maxAttempts' | 'timeoutMs' | 'trust' | 'backoff'
> & {
  /**
   * What `current` probes with instead of `probe` (a plan shares its answers with the coverage
   * gate, src/probe/shared.ts). Verification always makes fresh handshakes with `probe`.
   */
  readonly currentProbe?: ProbeFn;
};

/**
 * Retries after a bind start soon: a reload takes effect within tens of milliseconds, and until
 * then the old workers answer. Then the delays double up to 4 s, within the deadline.
 */
export const VERIFY_BACKOFF = { initialMs: 50, factor: 2, maxMs: 4000, jitter: 1 } as const;

/** Every endpoint a binding is proven on: each SNI name at its address, each pool member, the VIP. */
export function bindingTargets(b: Binding): ProbeTarget[] {
  const names: (string | null)[] = b.probe.sni.length > 0 ? [...b.probe.sni] : [null];
  const endpoints = [
    { address: b.probe.address, port: b.probe.port },
    ...(b.probe.pool?.members ?? []).map((m) => ({ address: m.address, port: m.port })),
    ...(b.probe.pool?.vip !== undefined ? [b.probe.pool.vip] : []),
  ];
  const unique = endpoints.filter(
    (e, i) => endpoints.findIndex((x) => x.address === e.address && x.port === e.port) === i,
  );
  const framing = {
    ...(b.probe.protocol !== undefined && { protocol: b.probe.protocol }),
    ...(b.probe.via !== undefined && { via: b.probe.via }),
  };
  return unique.flatMap((e) =>
    names.map((sni) => ({ address: e.address, port: e.port, sni, ...framing })),
  );
}

const label = (t: ProbeTarget) => `${t.address}:${t.port}${t.sni !== null ? ` (${t.sni})` : ''}`;

export function probeVerifier(options: VerifierOptions): BindingVerifier {
  // `currentProbe` is for `current` only: expectations make their own fresh handshakes.
  const { currentProbe = options.probe, ...expectOptions } = options;
  const check = async (
    b: Binding,
    signal: AbortSignal,
    one: (t: ProbeTarget) => Promise<{ passed: boolean; reason: string; observed?: string }>,
  ): Promise<VerifyResult> => {
    let observed: string | undefined;
    for (const target of bindingTargets(b)) {
      signal.throwIfAborted();
      const r = await one(target);
      observed = r.observed ?? observed;
      if (!r.passed)
        return {
          ok: false,
          reason: `${label(target)}: ${r.reason}`,
          ...(r.observed ? { observed: r.observed } : {}),
        };
    }
    return { ok: true, ...(observed !== undefined ? { observed } : {}) };
  };
  // A binding's own `probe.within` replaces the command's deadline for each of its endpoints.
  const run = async (
    fn: typeof expectServes,
    b: Binding,
    t: ProbeTarget,
    sha256: string,
    signal: AbortSignal,
    anyChain = false,
  ) => {
    const deadlineMs = b.probe.withinMs ?? expectOptions.deadlineMs;
    const outcome = await fn(t, sha256, {
      ...expectOptions,
      ...(deadlineMs !== undefined && { deadlineMs }),
      signal,
      requireValid: !anyChain,
    });
    return {
      passed: outcome.passed,
      reason: outcome.reason,
      ...(outcome.last.ok ? { observed: outcome.last.leaf.sha256 } : {}),
    };
  };
  return {
    serves: (b, sha256, signal, anyChain) =>
      check(b, signal, (t) => run(expectServes, b, t, sha256, signal, anyChain)),
    notServes: (b, sha256, signal) =>
      check(b, signal, (t) => run(expectNotServes, b, t, sha256, signal)),
    async sample(endpoint, sni, sha256, samples, signal) {
      for (let i = 1; i <= samples; i++) {
        signal.throwIfAborted();
        const t = { address: endpoint.address, port: endpoint.port, sni };
        const outcome = await expectServes(t, sha256, {
          ...expectOptions,
          signal,
          maxAttempts: 1,
          requireValid: true,
        });
        if (!outcome.passed)
          return {
            ok: false,
            reason: `${label(t)} sample ${i} of ${samples}: ${outcome.attempts.at(-1)?.note ?? outcome.reason}`,
            ...(outcome.last.ok ? { observed: outcome.last.leaf.sha256 } : {}),
          };
      }
      return { ok: true, observed: sha256 };
    },
    async current(b, signal) {
      const first = bindingTargets(b)[0];
      if (first === undefined) return undefined;
      const r = await currentProbe(first, {
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.trust ? { trust: options.trust } : {}),
        signal,
      });
      return r.ok ? r.leaf.sha256 : undefined;
    },
  };
}
