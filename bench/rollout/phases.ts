// A development aid, not a benchmark: wall time and the hosts' CPU of certroll's phases on the
// lab (`discover`, `plan`, `rollout`), then how long each kind of step took in the rollout's run.
//   npm run build && node bench/rollout/phases.ts [hosts] [ports]
// PHASES=rollout picks phases; DIAG=1 counts SSH commands and fsyncs (diag-preload.ts); MEM=1
// prints certroll's memory peaks (mem-preload.ts).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
await import(new URL('./ts-resolve.ts', import.meta.url).href);
const { SNI, startBenchLab } = await import('./lab.js');
const { certrollInventory } = await import('./inventory.js');

interface Rec {
  readonly at: string;
  readonly type: string;
  readonly data: { step?: string; host?: string; binding?: string };
}

const hosts = Number(process.argv[2] ?? '10');
const ports = Number(process.argv[3] ?? '4');
const wanted = (process.env.PHASES ?? 'discover,plan,rollout').split(',');
const here = new URL('.', import.meta.url).pathname;
const lab = await startBenchLab(hosts, ports, 50);
const work = mkdtempSync(join(tmpdir(), 'certroll-phases-'));
const inv = join(work, 'inv.yaml');
writeFileSync(
  inv,
  certrollInventory(lab.hosts, lab.ports, SNI, { knownHostsPath: lab.knownHostsPath }, 20),
);
const bundle = ['--cert', lab.pki.bundle, '--trust', lab.pki.rootPath];
const phases: [string, string[]][] = [
  ['discover', ['discover', '-i', inv]],
  ['plan', ['plan', '-i', inv, ...bundle]],
  ['rollout', ['rollout', '-i', inv, ...bundle, '--state-dir', join(work, 's'), '--yes']],
];
const preloads = [
  ...(process.env.DIAG ? ['diag-preload.ts'] : []),
  ...(process.env.MEM ? ['mem-preload.ts'] : []),
].flatMap((p) => ['--import', join(here, p)]);
try {
  for (const [name, args] of phases.filter(([n]) => wanted.includes(n))) {
    const cpu0 = lab.hostCpuS();
    const forks0 = lab.hostForks();
    const t0 = performance.now();
    const bin = new URL('../../bin/certroll.js', import.meta.url).pathname;
    const r = spawnSync(process.execPath, [...preloads, bin, ...args], { encoding: 'utf8' });
    const wall = (performance.now() - t0) / 1000;
    await new Promise((res) => setTimeout(res, 300)); // sshd reaps the closed sessions
    const forks1 = lab.hostForks();
    const procs =
      forks0 !== undefined && forks1 !== undefined
        ? `, ${((forks1 - forks0) / hosts).toFixed(0)} processes per host`
        : '';
    const extra = r.stderr.split('\n').filter((l) => /^(diag|mem): /.test(l));
    console.log(
      `${name}: exit ${r.status} wall ${wall.toFixed(2)} s, hosts' CPU ${(lab.hostCpuS() - cpu0).toFixed(2)} s${procs} ${extra.join('; ')}`,
    );
    if (r.status !== 0 && r.status !== 2) console.log(r.stderr.slice(-2000));
    // DIAG_TLS=1: the TLS connections of the first host, by port and name; DIAG_CMDS=1: every
    // SSH command's first lines, in order (run it with one host).
    const first = lab.hosts[0]?.address;
    for (const l of r.stderr.split('\n'))
      if (
        l.startsWith('diag cmd: ') ||
        (l.startsWith('diag tls: ') && first !== undefined && l.includes(`${first}:`))
      )
        console.log(`  ${l}`);
  }
  const runs = join(work, 's', 'runs');
  for (const id of wanted.includes('rollout') ? readdirSync(runs) : []) {
    const size = (f: string) => (statSync(join(runs, id, f)).size / 1e3).toFixed(0);
    console.log(
      `run folder: snapshot ${size('snapshot.json')} kB, journal ${size('journal.jsonl')} kB`,
    );
    const recs = readFileSync(join(runs, id, 'journal.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Rec);
    const t = (r: Rec | undefined) => Date.parse(r?.at ?? '');
    const open = new Map<string, number>();
    const by = new Map<string, number[]>();
    for (const r of recs) {
      const k = `${r.data.step} ${r.data.host} ${r.data.binding}`;
      if (r.type === 'step-started') open.set(k, t(r));
      else if (r.type === 'step-finished' || r.type === 'step-failed') {
        const step = r.data.step ?? '?';
        by.set(step, [...(by.get(step) ?? []), t(r) - (open.get(k) ?? t(r))]);
      }
    }
    console.log(
      `run ${id}: ${recs.length} records over ${((t(recs.at(-1)) - t(recs[0])) / 1000).toFixed(2)} s`,
    );
    for (const [step, ds] of by) {
      const avg = ds.reduce((a, b) => a + b, 0) / ds.length;
      console.log(
        `  ${step.padEnd(14)} n=${ds.length} avg ${avg.toFixed(0)} ms, max ${Math.max(...ds)} ms`,
      );
    }
  }
} finally {
  await lab.stop();
  if (process.env.KEEP !== undefined) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
