// What a run's own handshakes last saw, per target, so that the sweep at the end of the same run
// need not repeat a handshake that verification made moments before. Only the newest handshake
// to a target counts (a rollback's probe of the previous certificate replaces verification's),
// and only one that saw the new leaf, recently: anything else is probed afresh.
import { normaliseSha256 } from './cert-summary.js';
import { type ProbeFn } from './shared.js';
import { type ProbeResult, type ProbeSuccess, type ProbeTarget } from './types.js';

/**
 * How old a handshake that saw the new leaf may be for the sweep to take it as its own: the order
 * of a verification's deadline. Older evidence is probed again.
 */
export const WITNESS_FRESH_MS = 30_000;

export interface Witness {
  /** `base`, noting every answer it gives. */
  readonly probe: ProbeFn;
  /** The newest answer noted for this target, if any. */
  latest(target: ProbeTarget): ProbeResult | undefined;
}

// Framing is part of the question: a net.tcp handshake says nothing about a plain one.
const keyOf = (t: ProbeTarget): string =>
  JSON.stringify([t.address, t.port, t.sni, t.protocol ?? null, t.via ?? null]);

export function witnessProbe(base: ProbeFn): Witness {
  const seen = new Map<string, ProbeResult>();
  return {
    probe: async (target, options) => {
      const r = await base(target, options);
      const key = keyOf(target);
      const before = seen.get(key);
      // Handshakes may finish out of order: the one that started last is the newest.
      if (before === undefined || Date.parse(before.at) <= Date.parse(r.at)) seen.set(key, r);
      return r;
    },
    latest: (target) => seen.get(keyOf(target)),
  };
}

/**
 * `base`, except that a target whose newest noted handshake saw `sha256` within `freshMs`
 * (counted from when that handshake started) gets that answer instead of a new one.
 */
export function provenOr(
  base: ProbeFn,
  witness: Pick<Witness, 'latest'>,
  sha256: string,
  freshMs = WITNESS_FRESH_MS,
  now: () => number = Date.now,
): ProbeFn {
  return (target, options) => {
    const r = witness.latest(target);
    return r !== undefined && saw(r, sha256) && now() - Date.parse(r.at) <= freshMs
      ? Promise.resolve(r)
      : base(target, options);
  };
}

const saw = (r: ProbeResult, sha256: string): r is ProbeSuccess =>
  r.ok && r.leaf.sha256 === (normaliseSha256(sha256) ?? sha256);
