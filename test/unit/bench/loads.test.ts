import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The benchmarks run their TypeScript (and the test lab's) with Node's own type stripping, not
// tsc: a construct stripping cannot erase (a parameter property, an enum) type-checks and passes
// every test, yet stops `node bench/rollout/run.ts` at its first import.
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const MODULES = [
  'bench/rollout/lab.ts',
  'bench/rollout/tools.ts',
  'bench/rollout/report.ts',
  'bench/rollout/verify.ts',
  'bench/scan/lab.ts',
  'bench/scan/measure.ts',
];

describe('the benchmarks', () => {
  it('load with Node type stripping, the test lab they start included', () => {
    const imports = MODULES.map((m) => `await import(${JSON.stringify(`./${m}`)});`).join('\n');
    const r = spawnSync(
      process.execPath,
      ['--import', './bench/rollout/ts-resolve.ts', '--input-type=module', '-e', imports],
      { cwd: repo, encoding: 'utf8', timeout: 20_000 },
    );
    expect(r.stderr).not.toMatch(/ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX|SyntaxError/);
    expect(r.status, r.stderr).toBe(0);
  });
});
