// Types of launch-flags.js (plain JavaScript: the launcher runs before anything is built), for
// the benchmark that starts certroll with the same flags.
export function launchFlags(o: {
  readonly args: readonly string[];
  readonly nodeArgs: readonly string[];
  readonly v8: string;
}): string[];
