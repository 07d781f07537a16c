// Writes test/durations.json from a Vitest JSON report: each lab file's wall time in seconds, so
// a fresh clone (CI) starts the longest files first (vitest.config.ts). Refresh it after adding
// or slowing a lab test:
//   npx vitest run --reporter=json --outputFile=/tmp/vitest.json; node scripts/test-durations.mjs /tmp/vitest.json
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';

const [report] = process.argv.slice(2);
if (report === undefined) {
  console.error('usage: node scripts/test-durations.mjs VITEST_JSON_REPORT');
  process.exit(64);
}
const root = new URL('..', import.meta.url).pathname;
const { testResults } = JSON.parse(readFileSync(report, 'utf8'));
const durations = Object.fromEntries(
  testResults
    .map((f) => [relative(root, f.name), Math.round((f.endTime - f.startTime) / 1000)])
    .filter(([file, s]) => !file.startsWith('test/unit/') && s >= 5)
    .sort(([, a], [, b]) => b - a),
);
writeFileSync(
  new URL('../test/durations.json', import.meta.url),
  `${JSON.stringify(durations, null, 2)}\n`,
);
console.log(`test/durations.json: ${Object.keys(durations).length} files`);
