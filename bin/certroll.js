#!/usr/bin/env node
// Thin launcher: everything lives in dist/ (built by `npm run build`).
import module from 'node:module';

// Node's on-disk compile cache (Node >= 22.1) makes every start after the first cheaper.
module.enableCompileCache?.();

const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
