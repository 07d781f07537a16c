import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

// Each lab file's wall time in seconds from a full run (scripts/test-durations.mjs refreshes it).
const DURATIONS = JSON.parse(
  readFileSync(new URL('./test/durations.json', import.meta.url), 'utf8'),
) as Record<string, number>;

/**
 * Longest first, so that both workers end together. Vitest orders by the last run's durations
 * when it has them (a developer's machine); a fresh clone (CI) has none, and file size says
 * little: a file that drives simulated Windows hosts (a real PowerShell per remote step) runs
 * minutes, a larger one on the Linux lab seconds. So the recorded durations come first, then a
 * file new since they were recorded that uses the Windows lab (as if it took two minutes), then
 * the rest as Vitest orders them.
 */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const weight = (spec: TestSpecification): number => {
      const recorded = DURATIONS[relative(import.meta.dirname, spec.moduleId)];
      if (recorded !== undefined) return recorded;
      const text = readFileSync(spec.moduleId, 'utf8');
      return text.includes('lab/windows/') || text.includes("'--windows'") ? 120 : 0;
    };
    const weights = new Map(sorted.map((s) => [s, weight(s)]));
    // Stable: files of equal weight keep Vitest's order.
    return sorted
      .map((spec, i) => ({ spec, i }))
      .sort((a, b) => weights.get(b.spec)! - weights.get(a.spec)! || a.i - b.i)
      .map((x) => x.spec);
  }
}

export default defineConfig({
  test: {
    // Integration tests start real daemons (sshd, nginx, haproxy, PowerShell); two cores is the
    // machine we run on, so keep the fan-out modest and the timeouts honest.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    sequence: { sequencer: LongestFirst },
    projects: [
      {
        extends: true,
        // The lab's tests (real daemons, child processes, the CLI): each file in its own worker.
        test: { name: 'lab', include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'] },
      },
      {
        extends: true,
        // Pure code: files share workers (about a second of worker start saved per file, a
        // third of the unit tests' CPU, measured 2026-12-03); they keep no state across files.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], isolate: false },
      },
    ],
  },
});
