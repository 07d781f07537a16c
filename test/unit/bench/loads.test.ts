import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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

  it('register the resolve hook in every entry point before they import the repository', () => {
    for (const entry of ['bench/rollout/run.ts', 'bench/rollout/phases.ts', 'bench/scan/run.ts']) {
      const text = readFileSync(join(repo, entry), 'utf8');
      const hook = text.indexOf('ts-resolve.ts');
      // The first value import of a relative module (type-only imports are erased).
      const local = text.search(
        /^import (?!type )[^;]*from '\.|await import\((?:new URL\()?'\.(?![^']*ts-resolve)/m,
      );
      expect(hook, entry).toBeGreaterThan(0);
      expect(local === -1 || hook < local, entry).toBe(true);
    }
  });
});
