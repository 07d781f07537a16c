// bench/scan: N TLS endpoints on loopback (one nginx), scanned by certroll's scan library, by a
// bare tls.connect loop at the same concurrency, by nmap's ssl-cert script and by an
// `openssl s_client` loop; each must find the right fingerprint on every endpoint.
//   npm run build && node bench/scan/run.ts [--endpoints 1000] [--concurrency 64] [--runs 3]
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type * as LabModule from './lab.js';
import type { Lab } from './lab.js';
import type * as MeasureModule from './measure.js';
import type { Measured } from './measure.js';

// Node runs these .ts files as they are (type stripping); tsc checks them through the types. The
// hook first: the lab imports the test lab's .ts files by their .js names.
await import(new URL('../rollout/ts-resolve.ts', import.meta.url).href);
const { ADDRESS, SNI, startLab } = (await import(
  new URL('./lab.ts', import.meta.url).href
)) as typeof LabModule;
const { measure, median } = (await import(
  new URL('./measure.ts', import.meta.url).href
)) as typeof MeasureModule;

const { values } = parseArgs({
  options: {
    endpoints: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '64' },
    runs: { type: 'string', default: '5' },
    'skip-openssl': { type: 'boolean', default: false },
  },
});
const N = Number(values.endpoints);
const C = Number(values.concurrency);
const RUNS = Math.max(1, Math.min(10, Number(values.runs)));
const node = process.execPath;
const here = new URL('.', import.meta.url).pathname;

interface Row {
  readonly tool: string;
  readonly wallMs: number;
  readonly cpuS: number | undefined;
  readonly maxRssKb: number | undefined;
  readonly correct: number;
  readonly note?: string;
}

function check(lab: Lab, found: Iterable<[number, string | null]>, key: 'sha256' | 'sha1'): number {
  let ok = 0;
  for (const [port, fp] of found) {
    if (fp !== null && fp.toLowerCase() === lab.expected.get(port)?.[key].toLowerCase()) ok++;
  }
  return ok;
}

interface NodeRun {
  readonly m: Measured;
  readonly inMs: number;
  readonly correct: number;
  readonly rss: number;
  /** CPU seconds nginx's workers spent during the run. */
  readonly serverS: number;
}

async function nodeRun(lab: Lab, tool: string, script: string, extra: string[]): Promise<NodeRun> {
  const s0 = lab.serverCpuS();
  const m = await measure(node, [
    join(here, script),
    join(lab.dir, 'spec.json'),
    String(C),
    ...extra,
  ]);
  if (m.code !== 0) throw new Error(`${tool} failed: ${m.stderr.slice(-2000)}`);
  const out = JSON.parse(m.stdout) as {
    ms: number;
    found: [number, string | null][];
    maxRssKb: number;
  };
  return {
    m,
    inMs: out.ms,
    correct: check(lab, out.found, 'sha256'),
    rss: m.maxRssKb ?? out.maxRssKb,
    serverS: lab.serverCpuS() - s0,
  };
}

function nodeRow(tool: string, runs: readonly NodeRun[]): Row {
  const cpu = runs.map((r) => r.m.cpuS).filter((c): c is number => c !== undefined);
  return {
    tool,
    wallMs: median(runs.map((r) => r.m.wallMs)),
    cpuS: cpu.length > 0 ? median(cpu) : undefined,
    maxRssKb: Math.max(...runs.map((r) => r.rss)),
    correct: Math.min(...runs.map((r) => r.correct)),
    note: [
      `median of ${runs.length}`,
      ...(runs.some((r) => Number.isNaN(r.inMs))
        ? []
        : [`in-process ${median(runs.map((r) => r.inMs)).toFixed(0)} ms`]),
      `nginx CPU ${median(runs.map((r) => r.serverS)).toFixed(2)} s`,
    ].join('; '),
  };
}

// `certroll scan` as a monitoring system runs it: the CLI end to end (start, the inventory read,
// every handshake, the JSON printed) over an inventory of every endpoint.
async function cliRun(lab: Lab): Promise<NodeRun> {
  const inventory = join(lab.dir, 'inventory.yaml');
  const bindings = lab.ports.map(
    (p) => `          - { port: ${p}, kind: pem-files, probe: { sni: ${SNI} } }`,
  );
  writeFileSync(
    inventory,
    [
      'version: 1',
      'environments:',
      '  - name: bench',
      '    hosts:',
      '      - name: scan',
      `        address: ${ADDRESS}`,
      '        transport: { kind: local }',
      '        bindings:',
      ...bindings,
      '',
    ].join('\n'),
  );
  const bin = new URL('../../bin/certroll.js', import.meta.url).pathname;
  const s0 = lab.serverCpuS();
  const m = await measure(node, [
    bin,
    'scan',
    '-i',
    inventory,
    '--format',
    'json',
    '--concurrency',
    String(C),
    '--trust',
    lab.rootPath,
  ]);
  // 0 OK; 1 and 2 are findings (e.g. expiry), still a finished scan.
  if (m.code !== 0 && m.code !== 1 && m.code !== 2)
    throw new Error(`certroll scan failed: ${m.stderr.slice(-2000)}`);
  const doc = JSON.parse(m.stdout) as {
    endpoints: { port: number; results: { leaf?: { sha256: string } }[] }[];
  };
  const found = doc.endpoints.map((e): [number, string | null] => [
    e.port,
    e.results.at(-1)?.leaf?.sha256 ?? null,
  ]);
  return {
    m,
    inMs: Number.NaN,
    correct: check(lab, found, 'sha256'),
    rss: m.maxRssKb ?? 0,
    serverS: lab.serverCpuS() - s0,
  };
}

// The clients run in rounds (certroll, bare loop, nmap), so that load from elsewhere on the
// machine falls on all alike; medians are reported.
async function rounds(lab: Lab): Promise<Row[]> {
  const certroll: NodeRun[] = [];
  const cli: NodeRun[] = [];
  const bare: NodeRun[] = [];
  const nm: NodeRun[] = [];
  for (let i = 0; i < RUNS; i++) {
    certroll.push(await nodeRun(lab, 'certroll', 'certroll-worker.ts', [lab.rootPath]));
    cli.push(await cliRun(lab));
    bare.push(await nodeRun(lab, 'bare', 'bare-worker.ts', []));
    nm.push(await nmap(lab));
  }
  const nmapRow = nodeRow('nmap -T4 --script +ssl-cert', nm);
  return [
    nodeRow(`certroll scan library (concurrency ${C})`, certroll),
    nodeRow(`bare tls.connect loop (concurrency ${C})`, bare),
    nodeRow(`certroll scan CLI, end to end (concurrency ${C})`, cli),
    { ...nmapRow, note: `${nmapRow.note ?? ''}; checks SHA-1, ssl-cert prints no SHA-256` },
  ];
}

async function nmap(lab: Lab): Promise<NodeRun> {
  const range = `${lab.ports[0]}-${lab.ports.at(-1)}`;
  const s0 = lab.serverCpuS();
  // `+ssl-cert` runs the script on every open port, not only those nmap guesses are TLS.
  const m = await measure('nmap', [
    '-n',
    '-Pn',
    '-sT',
    '-T4',
    '-p',
    range,
    '--script',
    '+ssl-cert',
    '-oX',
    '-',
    ADDRESS,
  ]);
  const found: [number, string | null][] = [];
  for (const block of m.stdout.split('<port ').slice(1)) {
    const port = Number(/portid="(\d+)"/.exec(block)?.[1]);
    found.push([port, /<elem key="sha1">([0-9a-f]+)<\/elem>/i.exec(block)?.[1] ?? null]);
  }
  const serverS = lab.serverCpuS() - s0;
  return { m, inMs: Number.NaN, correct: check(lab, found, 'sha1'), rss: m.maxRssKb ?? 0, serverS };
}

async function opensslLoop(lab: Lab): Promise<Row> {
  const portsFile = join(lab.dir, 'ports.txt');
  writeFileSync(portsFile, `${lab.ports.join('\n')}\n`);
  const script = `fp=$(openssl s_client -connect ${ADDRESS}:$0 -servername ${SNI} </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256); echo "$0 $fp"`;
  const m = await measure('sh', ['-c', `xargs -P ${C} -n 1 sh -c '${script}' < ${portsFile}`]);
  const found: [number, string | null][] = m.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const hit = /^(\d+) .*Fingerprint=([0-9A-F:]+)/i.exec(line);
      return [Number(line.split(' ')[0]), hit?.[2]?.replace(/:/g, '') ?? null];
    });
  return {
    tool: `openssl s_client loop (xargs -P ${C})`,
    wallMs: m.wallMs,
    cpuS: m.cpuS,
    maxRssKb: m.maxRssKb,
    correct: check(lab, found, 'sha256'),
    note: 'peak RSS of the largest single child',
  };
}

const lab = await startLab(N);
try {
  writeFileSync(
    join(lab.dir, 'spec.json'),
    JSON.stringify({ address: ADDRESS, sni: SNI, ports: lab.ports }),
  );
  const load = loadavg()[0]!.toFixed(1);
  const rows = await rounds(lab);
  if (!values['skip-openssl']) rows.push(await opensslLoop(lab));
  console.log(
    `${N} TLS endpoints on ${ADDRESS} (one nginx, 2 workers, ECDSA P-256 leaves), ${cpus().length} CPUs, load average ${load} at start`,
  );
  console.log('wall time includes process start; CPU = user + system seconds of the client');
  for (const r of rows) {
    const eps = (N / r.wallMs) * 1000;
    const rss = r.maxRssKb === undefined ? '?' : `${(r.maxRssKb / 1024).toFixed(0)} MB`;
    const cpu = r.cpuS === undefined ? '?' : `${r.cpuS.toFixed(2)} s`;
    console.log(
      `${r.tool.padEnd(42)} ${(r.wallMs / 1000).toFixed(2).padStart(6)} s ${eps.toFixed(0).padStart(5)} endpoints/s  CPU ${cpu.padStart(7)}  peak ${rss.padStart(6)}  correct ${r.correct}/${N}${r.note ? `  (${r.note})` : ''}`,
    );
  }
  const [certroll, bare, cli, nm] = rows as [Row, Row, Row, Row];
  const vsNmap = nm.wallMs / certroll.wallMs;
  const vsBare = certroll.wallMs / bare.wallMs;
  const cpuVsBare = (certroll.cpuS ?? NaN) / (bare.cpuS ?? NaN);
  const rssMb = (certroll.maxRssKb ?? Infinity) / 1024;
  const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
  console.log(
    `certroll throughput / nmap: ${vsNmap.toFixed(2)}x (target >= 2x) ${verdict(vsNmap >= 2)}`,
  );
  console.log(
    `certroll time / bare tls.connect loop: ${vsBare.toFixed(2)} (target <= 1.25) ${verdict(vsBare <= 1.25)}; CPU ratio ${cpuVsBare.toFixed(2)}`,
  );
  const cliVsBare = cli.wallMs / bare.wallMs;
  console.log(
    `certroll scan CLI time / bare tls.connect loop: ${cliVsBare.toFixed(2)} (target <= 1.05) ${verdict(cliVsBare <= 1.05)}`,
  );
  console.log(
    `certroll peak memory: ${rssMb.toFixed(0)} MB (target < 200 MB) ${verdict(rssMb < 200)}`,
  );
  const allCorrect = rows.every((r) => r.correct === N);
  console.log(
    `every tool found the right fingerprint on every endpoint: ${allCorrect ? 'yes' : 'NO'}`,
  );
  const met = vsNmap >= 2 && vsBare <= 1.25 && rssMb < 200;
  process.exitCode = allCorrect && met ? 0 : 1;
} finally {
  await lab.stop();
}
