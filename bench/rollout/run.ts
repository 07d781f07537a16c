// bench/rollout: N lab hosts (each its own sshd and one nginx serving P TLS ports with the old
// certificate), rolled over to a new one by certroll, by the leanest parallel ssh script and by an
// Ansible playbook, the lab reset to the old certificate between them; after each, every port is
// probed with SNI and must serve the new leaf.
//   npm run build && node bench/rollout/run.ts [--hosts 50] [--ports 4] [--concurrency 20] [--skip-ansible]
//     [--isolation netns|loopback]   (netns, the default: each host in its own network and PID
//     namespaces, so that it sees only its own processes and sockets; loopback where it cannot)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Row } from './report.js';
import type { ToolRun } from './tools.js';
// The hook first: it lets Node load the repository's .ts files by their .js names.
await import(new URL('./ts-resolve.ts', import.meta.url).href);
const { SNI, startBenchLab } = await import('./lab.js');
const { verifyAll } = await import('./verify.js');
const { killRunning } = await import('./measure.js');
const { describeEnv } = await import('./env.js');
const { formatRow, formatRowCosts, passed, verdicts } = await import('./report.js');
const { countSshd, logCursor, since } = await import('./costs.js');
const { WHAT_IFS, runAnsible, runCertroll, runLean } = await import('./tools.js');

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '50' },
    ports: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '20' },
    'skip-ansible': { type: 'boolean', default: false },
    // all: every what-if run of certroll (see WHAT_IFS); none.
    whatif: { type: 'string', default: 'all' },
    'timeout-s': { type: 'string', default: '900' },
    // Another built checkout of certroll to measure (bin/, dist/, playbooks/), e.g. a clean
    // export of a commit while this working tree is being edited.
    certroll: { type: 'string' },
    'lab-chunk': { type: 'string', default: '50' },
    // One more what-if row: certroll under these Node flags (space-separated), e.g.
    // --whatif-flags='--heap-growing-percent=50' (with "=": the value starts with dashes).
    'whatif-flags': { type: 'string' },
    isolation: { type: 'string', default: 'netns' },
    // Round trip added between this machine and every host (a relay per host, test/lab/relay.ts,
    // half of it each way); the relays also count each tool's connections, bytes and turns.
    rtt: { type: 'string', default: '0' },
    // off: no relays (no traffic counts), the hosts reached directly.
    relay: { type: 'string', default: 'on' },
  },
});
const RTT_MS = Number(values.rtt);
if (!(RTT_MS >= 0 && RTT_MS <= 1000)) throw new Error(`--rtt ${values.rtt}: expected 0 to 1000 ms`);
if (values.relay !== 'on' && values.relay !== 'off')
  throw new Error(`--relay ${values.relay}: expected on or off`);
if (values.relay === 'off' && RTT_MS > 0) throw new Error('--rtt needs the relays (--relay on)');
// Without Ansible installed, its row is left out (and said so) rather than failed.
const hasAnsible = spawnSync('ansible-playbook', ['--version'], { stdio: 'ignore' }).status === 0;
if (!values['skip-ansible'] && !hasAnsible)
  console.log('ansible-playbook not found: no Ansible row (apt-get install -y ansible)');
const SKIP_ANSIBLE = values['skip-ansible'] || !hasAnsible;
const LATENCY = values.relay === 'on' ? { oneWayMs: RTT_MS / 2 } : undefined;
const ISOLATION = values.isolation;
if (ISOLATION !== 'netns' && ISOLATION !== 'loopback') {
  throw new Error(`--isolation ${ISOLATION}: expected netns or loopback`);
}
const HOSTS = Math.max(1, Math.min(500, Number(values.hosts)));
const PORTS = Math.max(1, Math.min(16, Number(values.ports)));
const C = Math.max(1, Math.min(100, Number(values.concurrency)));
const TIMEOUT_MS = Math.max(10, Number(values['timeout-s'])) * 1000;
const flags = values['whatif-flags']?.split(/\s+/).filter((f) => f !== '') ?? [];
const WHAT = [
  ...(values.whatif === 'none' ? [] : WHAT_IFS),
  ...(flags.length > 0
    ? [{ label: `node ${flags.join(' ')}`, preloads: [], nodeFlags: flags }]
    : []),
];
const repo = new URL('../../', import.meta.url).pathname;
const root = values.certroll ?? repo;
if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) {
  throw new Error(`certroll is not built in ${root}: run \`npm run build\` first`);
}

const WHERE = {
  netns: 'each in its own network and PID namespaces',
  loopback: 'on loopback',
} as const;
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const t0 = performance.now();
console.log(`starting the lab: ${HOSTS} hosts x ${PORTS} ports (load ${load()})`);
const lab = await startBenchLab(
  HOSTS,
  PORTS,
  Math.max(1, Number(values['lab-chunk'])),
  ISOLATION,
  LATENCY,
);
const work = mkdtempSync(join(tmpdir(), 'certroll-bench-rollout-'));
const stop = async (): Promise<void> => {
  await lab.stop();
  rmSync(work, { recursive: true, force: true });
};
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => {
    killRunning();
    void stop().finally(() => process.exit(code));
  });
}
try {
  console.log(
    `lab up in ${((performance.now() - t0) / 1000).toFixed(1)} s (${lab.isolation} hosts)`,
  );
  const tools: (() => Promise<ToolRun>)[] = [
    () => runCertroll(root, lab, work, C, TIMEOUT_MS),
    () => runLean(lab, work, C, TIMEOUT_MS),
    ...(SKIP_ANSIBLE ? [] : [() => runAnsible(lab, work, C, TIMEOUT_MS)]),
    // Not certroll as shipped: the same CLI with one cost taken away by a preload.
    ...WHAT.map((w) => () => runCertroll(root, lab, work, C, TIMEOUT_MS, w)),
  ];
  const rows: Row[] = [];
  for (const [i, tool] of tools.entries()) {
    if (i > 0) await lab.reset();
    const before = load();
    const cpu0 = lab.hostCpuS();
    const forks0 = lab.hostForks();
    const logs = lab.hosts.map((h) => logCursor(() => h.sshdLog()));
    const traffic0 = lab.traffic();
    const run = await tool();
    await new Promise((r) => setTimeout(r, 300)); // sshd reaps the closed sessions
    const hostCpuS = lab.hostCpuS() - cpu0;
    const forks1 = lab.hostForks();
    const forks = forks0 !== undefined && forks1 !== undefined ? forks1 - forks0 : undefined;
    const sshd = logs
      .map((l) => countSshd(l.read()))
      .reduce((a, b) => ({
        connections: a.connections + b.connections,
        commands: a.commands + b.commands,
      }));
    // Before the independent check's own handshakes, which the relays count too.
    const traffic = since(traffic0, lab.traffic());
    const v = await verifyAll(lab.hosts, lab.ports, SNI, lab.pki.next.sha256, 32);
    const row: Row = {
      run,
      hostCpuS,
      load: before,
      endpoints: v.checked,
      verified: v.checked - v.wrong.length,
      wrong: v.wrong,
      costs: {
        hosts: lab.hosts.length,
        ports: lab.ports.length,
        sshd,
        hostCpuS,
        ...(forks !== undefined ? { forks } : {}),
        ...(traffic !== undefined ? { traffic } : {}),
      },
    };
    rows.push(row);
    console.log(`  ${formatRow(row)}`);
    console.log(`  ${formatRowCosts(row)}`);
    if (!passed(row)) {
      console.log(`    not serving the new leaf: ${v.wrong.slice(0, 5).join('; ')}`);
      console.log(`    stderr: ${run.m.stderr.split('\tCommand being timed')[0]!.slice(-1500)}`);
      console.log(`    stdout: ${run.m.stdout.slice(-1500)}`);
    }
  }
  console.log(
    `\n${HOSTS} hosts x ${PORTS} TLS ports (one sshd and one nginx per host, ${WHERE[lab.isolation]}), concurrency ${C} for every tool, ${LATENCY === undefined ? 'no relays' : `${RTT_MS} ms round trip through a relay per host`}`,
  );
  for (const line of describeEnv(root)) console.log(line);
  console.log(
    "wall time includes process start; CPU: user + system of the tool and its children; hosts' CPU: the lab's sshd and nginx and all they ran",
  );
  for (const r of rows) console.log(`${formatRow(r)}\n${formatRowCosts(r)}`);
  process.exitCode = verdicts(rows, (line) => console.log(line), RTT_MS) ? 0 : 1;
} finally {
  await stop();
}
