// certroll's side of the bench, in its own process so that its peak memory is its own: the scan
// library (plan, probe every endpoint, classify) over a synthetic inventory of N bindings.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Inventory } from '../../src/inventory/model.js';
import type * as ProbeModule from '../../src/probe/probe.js';
import type * as ScanModule from '../../src/probe/scan.js';

const [spec, concurrency, trustPath] = process.argv.slice(2);
const { address, sni, ports } = JSON.parse(readFileSync(spec!, 'utf8')) as {
  address: string;
  sni: string;
  ports: number[];
};
const dist = (file: string): string => new URL(`../../dist/probe/${file}`, import.meta.url).href;
const { scanInventory } = (await import(dist('scan.js'))) as typeof ScanModule;
const { probe } = (await import(dist('probe.js'))) as typeof ProbeModule;

const transport = {
  kind: 'local',
  port: 22,
  knownHosts: [],
  sudo: false,
  connectTimeoutMs: 1000,
  commandTimeoutMs: 1000,
} as const;
const inventory: Inventory = {
  source: 'bench',
  digest: '0'.repeat(64),
  playbookDirs: [],
  environments: [
    {
      name: 'bench',
      policy: {
        canary: [],
        batchSize: 1,
        concurrency: 1,
        failureBudget: 0,
        onFailure: 'halt',
        approval: false,
        soakMs: 0,
        coldStartCheck: false,
      },
      origin: {},
      hosts: [
        {
          name: 'bench-host',
          address,
          transport,
          legacyPfx: false,
          exclusions: [],
          origin: {},
          bindings: ports.map((port) => ({
            id: `bench:${port}`,
            port,
            kind: 'nginx',
            params: {},
            origin: {},
            probe: { address, port, sni: [sni] },
          })),
        },
      ],
    },
  ],
};

const t0 = performance.now();
const report = await scanInventory(inventory, {
  probe,
  warnDays: 7,
  critDays: 1,
  concurrency: Number(concurrency),
  trust: [readFileSync(trustPath!, 'utf8')],
});
const ms = performance.now() - t0;
const found = report.endpoints.map((e) => {
  const r = e.results[0];
  return [
    e.endpoint.port,
    r?.ok === true && r.trust.trusted && r.name.matches ? r.leaf.sha256 : null,
  ];
});
process.stdout.write(
  JSON.stringify({ ms, found, status: report.overall, maxRssKb: process.resourceUsage().maxRSS }),
);
