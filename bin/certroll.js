#!/usr/bin/env node
// Thin launcher: everything lives in dist/ (built by `npm run build`).
import module from 'node:module';
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
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
