// Durations as the inventory writes them (`500ms`, `30s`, `5m`, `1h30m`). No dependency: the CLI's
// option parsers (src/cli/options.ts) read the same syntax while --help loads nothing but commander.
export const DURATION = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

export function durationMs(s: string): number {
  const m = DURATION.exec(s);
  if (m === null) return Number.NaN;
  const [h, min, sec, ms] = [m[1], m[2], m[3], m[4]].map((x) => Number(x ?? 0)) as [
    number,
    number,
    number,
    number,
  ];
  return ((h * 60 + min) * 60 + sec) * 1000 + ms;
}

/** An age as `purge --older-than` takes it: days first (`30d`, `1d12h`), then the inventory's units. */
export const AGE = /^(?:(\d+)d)?((?:\d+h)?(?:\d+m(?!s))?(?:\d+s)?(?:\d+ms)?)$/;

export function ageMs(s: string): number {
  const m = AGE.exec(s);
  if (m === null || s === '') return Number.NaN;
  const rest = m[2] ?? '';
  return Number(m[1] ?? 0) * 86_400_000 + (rest === '' ? 0 : durationMs(rest));
}
