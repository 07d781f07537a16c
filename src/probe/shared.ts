// One answer per question within a read-only phase: a plan captures every binding (one probe of
// what its port serves) and then checks coverage (a probe of every listening port, with each
// name), seconds apart and touching nothing in between. The second asking of the same address,
// port, name and trust gets the first successful answer instead of another handshake. Never
// shared across a change: a run probes afresh.
import { type ProbeOptions, type ProbeResult, type ProbeTarget } from './types.js';

export type ProbeFn = (target: ProbeTarget, options?: ProbeOptions) => Promise<ProbeResult>;

/** `base`: the probe that answers first (the real one, from the composition root). */
export function sharedProbe(base: ProbeFn): ProbeFn {
  const answers = new Map<string, Promise<ProbeResult>>();
  // Trust lists by identity (the plan passes one list everywhere); 0 is the system's trust.
  const trustIds = new WeakMap<readonly string[], number>();
  let lastTrustId = 0;
  const trustId = (trust: readonly string[] | undefined): number => {
    if (trust === undefined) return 0;
    let id = trustIds.get(trust);
    if (id === undefined) trustIds.set(trust, (id = ++lastTrustId));
    return id;
  };
  return (target, options = {}) => {
    const key = JSON.stringify([target.address, target.port, target.sni, trustId(options.trust)]);
    const known = answers.get(key);
    if (known !== undefined) return known;
    const asked = base(target, options).then((r) => {
      // A failure is not an answer to keep: the next asking probes again.
      if (!r.ok) answers.delete(key);
      return r;
    });
    answers.set(key, asked);
    return asked;
  };
}
