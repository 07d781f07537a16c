// Pure pool logic: given what each member served directly and what the VIP served sample by
// sample, is the pool consistent, and who is the odd one out? The reference fingerprint is the
// expected one when known, else the members' strict majority.

export interface PoolObservation {
  /** Member name, or `vip#N` for the Nth VIP sample. */
  readonly label: string;
  /** Served leaf SHA-256, or null when there was no answer. */
  readonly sha256: string | null;
  /** Failure kind when there was no answer. */
  readonly failure?: string;
  /** notAfter of the served leaf (epoch ms): breaks a tie in favour of the newest leaf. */
  readonly notAfterMs?: number;
}

export interface PoolVerdict {
  readonly state: 'consistent' | 'mixed';
  readonly reference: string | null;
  readonly referenceFrom: 'expected' | 'majority' | 'newest' | 'none';
  /** Members that served something other than the reference, or nothing. */
  readonly oddMembers: readonly PoolObservation[];
  /** VIP samples that served something other than the reference, or nothing. */
  readonly oddSamples: readonly PoolObservation[];
  /** How often each fingerprint (or `no-answer`) was served at the VIP. */
  readonly vipCounts: Readonly<Record<string, number>>;
  /** Members serving each fingerprint, to tell which backend a VIP sample most likely reached. */
  readonly servedBy: Readonly<Record<string, readonly string[]>>;
  readonly summary: string;
}

/** The strict majority value, or null on a tie (or no values). */
export function majority(values: readonly string[]): string | null {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | null = null;
  let bestCount = 0;
  let tie = false;
  for (const [v, n] of counts) {
    if (n > bestCount) {
      best = v;
      bestCount = n;
      tie = false;
    } else if (n === bestCount) {
      tie = true;
    }
  }
  return tie ? null : best;
}

// A tie among members (two nodes, one each) is broken by the leaf that lasts longest: the odd one
// out is then the node still on the older (often expired) certificate.
function newestOfTied(members: readonly PoolObservation[]): string | null {
  const counts = new Map<string, number>();
  for (const m of members)
    if (m.sha256 !== null) counts.set(m.sha256, (counts.get(m.sha256) ?? 0) + 1);
  const top = Math.max(0, ...counts.values());
  const tied = [...counts].filter(([, n]) => n === top).map(([fp]) => fp);
  const notAfter = (fp: string): number =>
    members.find((m) => m.sha256 === fp)?.notAfterMs ?? Number.NEGATIVE_INFINITY;
  const sorted = tied.sort((a, b) => notAfter(b) - notAfter(a));
  const [first, second] = sorted;
  if (first === undefined) return null;
  return second !== undefined && notAfter(second) === notAfter(first) ? null : first;
}

const short = (sha: string | null): string => (sha === null ? 'no answer' : sha.slice(0, 12));

function describe(o: PoolObservation): string {
  return `${o.label} (${o.sha256 === null ? `no answer: ${o.failure ?? 'failed'}` : short(o.sha256)})`;
}

export function analysePool(
  members: readonly PoolObservation[],
  vipSamples: readonly PoolObservation[],
  expected?: string,
): PoolVerdict {
  const served = members.flatMap((m) => (m.sha256 === null ? [] : [m.sha256]));
  const majorityFp = majority(served);
  const newestFp = majorityFp === null ? newestOfTied(members) : null;
  const reference = expected ?? majorityFp ?? newestFp;
  const referenceFrom =
    expected !== undefined
      ? 'expected'
      : majorityFp !== null
        ? 'majority'
        : newestFp !== null
          ? 'newest'
          : 'none';
  const oddMembers = members.filter((m) => reference === null || m.sha256 !== reference);
  const oddSamples = vipSamples.filter((s) => reference === null || s.sha256 !== reference);
  const vipCounts: Record<string, number> = {};
  for (const s of vipSamples) {
    const key = s.sha256 ?? 'no-answer';
    vipCounts[key] = (vipCounts[key] ?? 0) + 1;
  }
  const servedBy: Record<string, string[]> = {};
  for (const m of members) {
    if (m.sha256 !== null) (servedBy[m.sha256] ??= []).push(m.label);
  }
  const state = oddMembers.length === 0 && oddSamples.length === 0 ? 'consistent' : 'mixed';
  const parts: string[] = [];
  if (state === 'consistent') {
    parts.push(
      `all ${members.length} member(s) and ${vipSamples.length} VIP sample(s) serve ${short(reference)}`,
    );
  } else {
    if (reference === null) {
      parts.push(served.length === 0 ? 'no member answered' : 'no majority among members');
    } else parts.push(`reference ${short(reference)} (${referenceFrom})`);
    if (oddMembers.length > 0) parts.push(`odd member(s): ${oddMembers.map(describe).join(', ')}`);
    if (oddSamples.length > 0) {
      parts.push(
        `${oddSamples.length}/${vipSamples.length} VIP sample(s) differ: ${Object.entries(vipCounts)
          .map(
            ([fp, n]) =>
              `${fp === 'no-answer' ? fp : short(fp)}×${n}${servedBy[fp] ? ` (${servedBy[fp].join(', ')})` : ''}`,
          )
          .join(', ')}`,
      );
    }
  }
  return {
    state,
    reference,
    referenceFrom,
    oddMembers,
    oddSamples,
    vipCounts,
    servedBy,
    summary: parts.join('; '),
  };
}
