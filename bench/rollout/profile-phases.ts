// Development aid: host CPU and wall time of certroll's phases (discover, plan, rollout) on the lab.
//   node bench/rollout/profile-phases.ts [hosts] [ports]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
await import(new URL('./ts-resolve.ts', import.meta.url).href);
const { SNI, startBenchLab } = await import('./lab.js');
const { certrollInventory } = await import('./inventory.js');
const hosts = Number(process.argv[2] ?? '10');
const ports = Number(process.argv[3] ?? '4');
const lab = await startBenchLab(hosts, ports, 50);
const work = mkdtempSync(join(tmpdir(), 'certroll-prof-'));
const inv = join(work, 'inv.yaml');
writeFileSync(
  inv,
  certrollInventory(lab.hosts, lab.ports, SNI, { knownHostsPath: lab.knownHostsPath }, 20, []),
);
const bin = new URL('../../bin/certroll.js', import.meta.url).pathname;
const common = [
  '--cert',
  lab.pki.bundle,
  '--trust',
  lab.pki.rootPath,
  '--state-dir',
  join(work, 's'),
];
const phases: [string, string[]][] = [
  ['discover', ['discover', '-i', inv]],
  ['plan', ['plan', '-i', inv, '--cert', lab.pki.bundle, '--trust', lab.pki.rootPath]],
  ['rollout', ['rollout', '-i', inv, ...common, '--yes']],
];
try {
  for (const [name, args] of phases.filter(([n]) => (process.env.PHASES ?? 'discover,plan,rollout').split(',').includes(n))) {
    const c0 = lab.hostCpuS();
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      [
        ...(process.env.DIAG
          ? ['--import', new URL('./diag-preload.ts', import.meta.url).pathname]
          : []),
        ...(process.env.MEM ? ['--import', '/tmp/prof/mem-preload.mjs'] : []),
        bin,
        ...args,
      ],
      { encoding: 'utf8' },
    );
    const wall = (performance.now() - t0) / 1000;
    await new Promise((res) => setTimeout(res, 300));
    console.log(
      `${name}: exit ${r.status} wall ${wall.toFixed(2)} s hosts' CPU ${(lab.hostCpuS() - c0).toFixed(2)} s ${/^diag: (.*)$/m.exec(r.stderr)?.[1] ?? ''}`,
    );
    if (process.env.MEM) console.log(r.stderr.split('\n').filter((l) => /^mem|s rss/.test(l)).join('\n'));
    if (r.status !== 0 && r.status !== 2) console.log(r.stderr.slice(-2000), r.stdout.slice(-2000));
  }
  const { readdirSync, readFileSync } = await import('node:fs');
  const runs = join(work, 's', 'runs');
  for (const id of readdirSync(runs)) {
    const recs = readFileSync(join(runs, id, 'journal.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const t = (r: any) => Date.parse(r.at);
    const open = new Map<string, number>();
    const by = new Map<string, number[]>();
    for (const r of recs) {
      const k = `${r.data.step} ${r.data.host} ${r.data.binding}`;
      if (r.type === 'step-started') open.set(k, t(r));
      else if (r.type === 'step-finished' || r.type === 'step-failed') {
        const d = t(r) - (open.get(k) ?? t(r));
        by.set(r.data.step, [...(by.get(r.data.step) ?? []), d]);
      }
    }
    console.log(
      `run ${id}: ${recs.length} records over ${((t(recs.at(-1)) - t(recs[0])) / 1000).toFixed(2)} s`,
    );
    for (const [step, ds] of by)
      console.log(
        `  ${step.padEnd(10)} n=${ds.length} avg ${(ds.reduce((a, b) => a + b, 0) / ds.length).toFixed(0)} ms max ${Math.max(...ds)} ms`,
      );
  }
} finally {
  await lab.stop();
}
