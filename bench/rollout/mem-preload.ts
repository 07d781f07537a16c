// Loaded with `node --import` by bench/rollout/phases.ts (MEM=1): samples the process's memory
// every second and prints the peaks on exit, to see where certroll's memory goes.
const peak = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
const timer = setInterval(() => {
  const m = process.memoryUsage();
  for (const k of Object.keys(peak) as (keyof typeof peak)[]) peak[k] = Math.max(peak[k], m[k]);
}, 1000);
timer.unref();
process.on('exit', () => {
  const m = process.memoryUsage();
  for (const k of Object.keys(peak) as (keyof typeof peak)[]) peak[k] = Math.max(peak[k], m[k]);
  const mb = (n: number) => `${(n / 1e6).toFixed(0)} MB`;
  process.stderr.write(
    `mem: peak ${Object.entries(peak)
      .map(([k, v]) => `${k} ${mb(v)}`)
      .join(', ')}\n`,
  );
});
