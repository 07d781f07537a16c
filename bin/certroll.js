#!/usr/bin/env node
// Thin launcher: everything lives in dist/ (built by `npm run build`).
import module from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchFlags } from './launch-flags.js';

const args = process.argv.slice(2);

// Busy commands restart themselves with Node flags that keep the heap small (launch-flags.js).
// The flags must be given at start, so the launcher replaces itself (execve: same pid, same
// stdio, signals go straight to it) where Node can (POSIX, Node >= 22.15); elsewhere it runs as
// started.
const flags = launchFlags({
  args,
  nodeArgs: [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)],
  v8: process.versions.v8,
});
if (flags.length > 0 && typeof process.execve === 'function') {
  try {
    process.execve(process.execPath, [
      process.execPath,
      ...process.execArgv,
      ...flags,
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
