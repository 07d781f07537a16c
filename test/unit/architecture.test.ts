// The dependency rules of .dependency-cruiser.mjs, run under `npm test` so CI fails on an import
// cycle or a layering break: once on src/, and once on a small tree that breaks each rule, so a
// rule that stopped matching (a renamed folder, a bad regex) fails here too.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CONFIG = join(ROOT, '.dependency-cruiser.mjs');
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs');

function depcruise(cwd: string, outputType: 'err' | 'json') {
  return execa(
    process.execPath,
    [DEPCRUISE, 'src', '--config', CONFIG, '--output-type', outputType],
    { cwd, reject: false, timeout: 90_000 },
  );
}

describe('dependency rules', () => {
  it('find no violation in src (an import cycle, src/cli imported from outside, a real adapter built outside the composition root, a pure folder using transport/probe/journal code)', async () => {
    const r = await depcruise(ROOT, 'err');
    // The message is dependency-cruiser's list of violations, one per line, with the rule's name.
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
  }, 120_000);

  describe('on a tree that breaks each rule once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'certroll-deps-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const files: Record<string, string> = {
      // A cycle through a type-only import is still a cycle.
      'src/a.ts': "import { b } from './b.js';\nexport const a = (): number => b;\n",
      'src/b.ts': "import type { Ta } from './t-a.js';\nexport const b = 1;\nexport type B = Ta;\n",
      'src/t-a.ts': "import { a } from './a.js';\nexport type Ta = ReturnType<typeof a>;\n",
      // Folders that import each other, without a module cycle.
      'src/probe/scan.ts':
        "import { render } from '../report/render.js';\nexport const scan = render;\n",
      'src/probe/types.ts': 'export type Status = string;\n',
      // The real TLS probe is an adapter too, even to its own folder's modules.
      'src/probe/probe.ts': 'export const probe = 1;\n',
      'src/probe/expect.ts': "import { probe } from './probe.js';\nexport const e = probe;\n",
      'src/report/render.ts':
        "import { type Status } from '../probe/types.js';\nexport const render = (s: Status): Status => s;\n",
      'src/cli/io.ts': 'export const io = 1;\n',
      'src/cli/rollout/apply.ts': 'export const apply = 1;\n',
      'src/workflow/steps.ts':
        "import { io } from '../cli/io.js';\nimport { createTransport } from '../transport/factory.js';\nexport const s = [io, createTransport];\n",
      'src/transport/factory.ts': 'export const createTransport = 1;\n',
      'src/transport/pool.ts':
        "import { createTransport } from './factory.js';\nexport const p = createTransport;\n",
      'src/transport/types.ts': 'export type Transport = { shell: string };\n',
      'src/shell/quote.ts':
        "import { type Transport } from '../transport/types.js';\nimport { p } from '../transport/pool.js';\nexport const q = (t: Transport) => [t, p];\n",
      // Nothing outside src/cli imports it, the demo included.
      'src/demo/run.ts':
        "import { apply } from '../cli/rollout/apply.js';\nimport { main } from '../cli/main.js';\nexport const r = [apply, main];\n",
      'src/cli/main.ts': 'export const main = 1;\n',
      // The composition root builds the real adapters; the library's entry point re-exports it.
      'src/cli/compose.ts':
        "import { p } from '../transport/pool.js';\nimport { probe } from '../probe/probe.js';\nexport const adapters = [p, probe];\n",
      'src/index.ts': "export { adapters } from './cli/compose.js';\n",
      'tsconfig.json': JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true },
        include: ['src'],
      }),
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }

    it('reports exactly the imports each rule forbids', async () => {
      const r = await depcruise(dir, 'json');
      // The json reporter exits 0 whatever it found; the violations are in its summary.
      expect(r.stderr).toBe('');
      const result = JSON.parse(r.stdout) as {
        summary: { violations: { rule: { name: string }; from: string; to: string }[] };
      };
      const found = new Set(
        result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`),
      );
      expect([...found].sort()).toEqual(
        [
          // One entry per cycle, at its first module.
          'no-cycle: src/a.ts -> src/b.ts',
          'no-folder-cycle: src/probe -> src/report',
          'no-folder-cycle: src/report -> src/probe',
          'not-from-outside-cli: src/workflow/steps.ts -> src/cli/io.ts',
          'not-from-outside-cli: src/demo/run.ts -> src/cli/main.ts',
          'not-from-outside-cli: src/demo/run.ts -> src/cli/rollout/apply.ts',
          'real-adapters-only-in-composition-root: src/workflow/steps.ts -> src/transport/factory.ts',
          'real-adapters-only-in-composition-root: src/shell/quote.ts -> src/transport/pool.ts',
          'real-adapters-only-in-composition-root: src/probe/expect.ts -> src/probe/probe.ts',
          'pure-no-effects: src/shell/quote.ts -> src/transport/pool.ts',
        ].sort(),
      );
    }, 120_000);
  });
});
