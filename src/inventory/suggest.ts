// "Did you mean nginx?" for a name one or two typos away from a known one (ngnix, certpath).
// Pure and bounded: names longer than MAX_LENGTH get no suggestion, so a pasted paragraph used
// as a key costs nothing.

const MAX_LENGTH = 64;

/** Optimal string alignment distance: Levenshtein, plus a swap of two neighbours counts as one. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i]);
  for (let j = 1; j <= b.length; j++) (rows[0] as number[])[j] = j;
  const at = (i: number, j: number): number => rows[i]?.[j] ?? Infinity;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      (rows[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * The known name closest to `word` (case aside), if it is near enough to be a typo: one edit for
 * names up to 5 characters, two beyond. Ties go to the first in `known`.
 */
export function closest(word: string, known: readonly string[]): string | undefined {
  if (word.length === 0 || word.length > MAX_LENGTH) return undefined;
  const limit = word.length <= 5 ? 1 : 2;
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    if (name === word || Math.abs(name.length - word.length) > limit) continue;
    const distance = editDistance(word.toLowerCase(), name.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance)) {
      best = { name, distance };
    }
  }
  return best?.name;
}

/** "Did you mean nginx? " (with a trailing space, to lead a hint), or "" when nothing is near. */
export function didYouMean(word: string, known: readonly string[]): string {
  const match = closest(word, known);
  return match === undefined ? '' : `Did you mean ${match}? `;
}
