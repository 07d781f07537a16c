// The Node flags a certroll command restarts itself with (bin/certroll.js), or none.
//
// Commands that talk to many hosts at once allocate fast, and V8 then sizes the heap for speed:
// it grows the young generation to the maximum, and lets the old generation grow to up to four
// times what survived the last full collection. They run with a small young generation and an old
// generation that grows by half instead: a 200-host rollout peaked at about 210 MB instead of 290
// to 450 MB, a few per cent slower (docs/benchmarks-rollout.md).

const BUSY = new Set([
  'plan',
  'apply',
  'rollout',
  'resume',
  'rollback',
  'purge',
  'discover',
  'scan',
]);

/**
 * @param {{ args: readonly string[]; nodeArgs: readonly string[]; v8: string }} o
 *   certroll's arguments, Node's (command line and NODE_OPTIONS), and process.versions.v8.
 * @returns {string[]} the flags to restart with; none: run as started.
 */
export function launchFlags({ args, nodeArgs, v8 }) {
  const command = args.find((a) => !a.startsWith('-'));
  if (!BUSY.has(command ?? '')) return [];
  // A one-endpoint scan (a monitoring check, run every minute per endpoint) allocates little; the
  // restart would cost it a fifth of its time (0.50 s against 0.40 s, measured 2026-12-03).
  if (command === 'scan' && args.some((a) => a === '--endpoint' || a.startsWith('--endpoint=')))
    return [];
  // Instrumented (a preload, an APM agent), the process runs as started: process.execve is
  // experimental, and an instrumented process is left alone.
  if (nodeArgs.some((a) => /^(--require|--import|--loader|--experimental-loader|-r$)/.test(a)))
    return [];
  const given = (flag) => nodeArgs.some((a) => a === flag || a.startsWith(`${flag}=`));
  // --heap-growing-percent is V8's own flag, not Node's: Node refuses to start on one its V8 does
  // not know, so it goes only to the V8 versions it was measured on (Node 22 to 24: V8 12, 13).
  const major = Number(v8.split('.')[0]);
  return [
    ...(given('--max-semi-space-size') ? [] : ['--max-semi-space-size=4']),
    ...(given('--heap-growing-percent') || !(major >= 12 && major <= 14)
      ? []
      : ['--heap-growing-percent=50']),
  ];
}
