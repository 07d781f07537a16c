#!/usr/bin/env node
// Thin launcher: everything lives in dist/ (built by `npm run build`).
import module from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);

// Commands that talk to many hosts at once allocate fast, and V8 then grows its young generation
// to the maximum (a third of the resident size at 200 hosts). They run with a small young
// generation instead: about 30 % less memory at 200 hosts, no measurable cost in time
// (docs/benchmarks-rollout.md). The flag must be given at start, so the launcher replaces itself
// (execve: same pid, same stdio, signals go straight to it) where Node can (POSIX, Node >= 22.15);
// elsewhere, or when the flag was given, it runs as started.
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
const YOUNG = '--max-semi-space-size=4';
const command = args.find((a) => !a.startsWith('-'));
const nodeArgs = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
// Given its own young-generation size, or instrumented (a preload, an APM agent), the process
// runs as started: process.execve is experimental, and an instrumented process is left alone.
const keep = nodeArgs.some((a) =>
  /^(--max-semi-space-size|--require|--import|--loader|--experimental-loader|-r$)/.test(a),
);
if (BUSY.has(command ?? '') && !keep && typeof process.execve === 'function') {
  try {
    process.execve(process.execPath, [
      process.execPath,
      ...process.execArgv,
      YOUNG,
      fileURLToPath(import.meta.url),
      ...args,
    ]);
  } catch {
    // Not replaced (an odd platform or a refused exec): run as started.
  }
}

// `certroll --version` alone is answered before any module loads (monitoring and wrappers call
// it often); with other arguments, commander handles it as usual.
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${pkg.version}\n`);
} else {
  // Node's on-disk compile cache (Node >= 22.1) makes every start after the first cheaper.
  module.enableCompileCache?.();
  const { main } = await import('../dist/cli/main.js');
  process.exitCode = await main(args);
}
