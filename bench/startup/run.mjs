// Start-up cost of the CLI: `certroll --version` and `--help` against a bare `node -e 0`, in one
// run, alternating so both see the same machine state. Prints medians and the ratio.
// Usage: npm run build && node bench/startup/run.mjs [runs=30]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 30);
const bin = fileURLToPath(new URL('../../bin/certroll.js', import.meta.url));
const cases = {
  'node -e 0': ['-e', '0'],
  'certroll --version': [bin, '--version'],
  'certroll --help': [bin, '--help'],
};
const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let i = 0; i < runs; i++) {
  for (const [name, args] of Object.entries(cases)) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}`);
    times[name].push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times['node -e 0']);
console.log(`node ${process.version}, ${runs} runs each`);
for (const [name, xs] of Object.entries(times)) {
  console.log(
    `${name.padEnd(22)} median ${median(xs).toFixed(1)} ms  ratio ${(median(xs) / base).toFixed(2)}x`,
  );
}
