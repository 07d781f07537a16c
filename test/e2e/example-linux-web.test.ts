// The shipped example inventories/linux-web.yaml, planned, applied and rolled back through the
// built CLI against the lab: its environments, policies (canary by name, batches, approval,
// cold-start check), nginx hosts and the haproxy pair in a pool behind a VIP (stay-mixed) stay as
// written; only what points at real machines (addresses, SSH port and key, file paths, ports, the
// certificate's name) is rewritten to lab hosts, and the soaks (2m, 5m) are shortened on the
// command line (`--soak 0s`), as an operator would, since a test cannot wait them out.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { BIN, runCli } from '../helpers/cli.js';
import { freePort } from '../lab/procs.js';
import {
  nginxParams,
  servedStable,
  startPool,
  useRenewalLab,
  type Haproxy,
  type LabHost,
  type LabHaproxy,
  type LabService,
} from '../lab/index.js';

const EXAMPLE = fileURLToPath(new URL('../../inventories/linux-web.yaml', import.meta.url));

// stg-web-01, web-01, web-02 serve nginx on 8443; lb-01 and lb-02 also run haproxy.
const fx = useRenewalLab({ hosts: 5, environments: () => [] });

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => v as Json;
const list = (v: unknown): Json[] => v as Json[];

let vip: Haproxy | undefined;
let inventoryPath: string;
let example: Json;
/** Every endpoint the example lists (the pool members on haproxy's port), then the VIP. */
let endpoints: { host: string; address: string; port: number }[] = [];
let vipEndpoint: { address: string; port: number };
afterAll(async () => vip?.stop());

beforeAll(async () => {
  const { lab, services, oldLeaf, name } = fx();
  const [lb1, lb2] = [lab.hosts[3]!, lab.hosts[4]!];
  // The load balancers run haproxy only: their lab nginx would be an endpoint on the old
  // certificate that the inventory does not list (plan's coverage gate refuses that).
  await services[3]!.stop();
  await services[4]!.stop();
  const port = await freePort(lb1.address);
  const haproxies = [
    await lb1.haproxy({ ports: [port], cert: oldLeaf }),
    await lb2.haproxy({ ports: [port], cert: oldLeaf }),
  ];
  const vipAddress = `${lb1.address.split('.').slice(0, 3).join('.')}.100`;
  vip = await startPool(vipAddress, port, [lb1, lb2]);
  vipEndpoint = { address: vipAddress, port };
  example = obj(parse(readFileSync(EXAMPLE, 'utf8')));
  const names = list(example.environments).flatMap((e) => list(e.hosts).map((h) => String(h.name)));
  endpoints = lab.hosts.map((h, i) => ({
    host: names[i]!,
    address: h.address,
    port: i < 3 ? 8443 : port,
  }));
  const inv = obj(parse(readFileSync(EXAMPLE, 'utf8')));
  inv.defaults = {
    ...obj(inv.defaults),
    transport: {
      kind: 'ssh',
      user: 'root',
      identityFile: lab.clientKey.privatePath,
      knownHosts: lab.knownHostsPath,
    },
  };
  const hosts = list(inv.environments).flatMap((e) => list(e.hosts));
  expect(hosts.map((h) => h.name)).toEqual([
    'stg-web-01.example.internal',
    'web-01',
    'web-02',
    'lb-01',
    'lb-02',
  ]);
  hosts.forEach((h, i) => {
    const labHost = lab.hosts[i]!;
    Object.assign(h, atLab(labHost));
    h.bindings = list(h.bindings).map((b) =>
      b.kind === 'nginx'
        ? nginxBinding(b, services[i]!, name)
        : haproxyBinding(b, haproxies[i - 3]!, port, name),
    );
  });
  // The pools stay as written; their ports, VIPs and names point at the lab.
  for (const e of list(inv.environments)) {
    if (e.pools === undefined) continue;
    e.pools = list(e.pools).map((p) => ({
      ...p,
      members: list(p.members).map((m) => ({ ...m, port })),
      vips: list(p.vips).map(() => ({ address: vipAddress, port })),
      sni: [name],
    }));
  }
  inventoryPath = join(lab.dir, 'linux-web.yaml');
  writeFileSync(inventoryPath, stringify(inv));
}, 60_000);

function atLab(h: LabHost): Json {
  return { address: h.address, transport: { port: h.sshPort }, stateDir: join(h.dir, 'state') };
}

function nginxBinding(b: Json, svc: LabService, sni: string): Json {
  const params = obj(b.params);
  expect(Object.keys(params)).toEqual(expect.arrayContaining(['certPath', 'keyPath']));
  // The lab's nginx has no systemd unit: where the example restarts nginx, a reload stands in.
  const restart = 'restartCommand' in params ? { restartCommand: svc.reloadCommand } : {};
  return { ...b, port: 8443, params: { ...nginxParams(svc), ...restart }, probe: { sni: [sni] } };
}

function haproxyBinding(b: Json, svc: LabHaproxy, port: number, sni: string): Json {
  const params = obj(b.params);
  expect(Object.keys(params)).toEqual(expect.arrayContaining(['crtPath', 'configPath']));
  const restart = 'restartCommand' in params ? { restartCommand: svc.reloadCommand } : {};
  return {
    ...b,
    port,
    params: {
      crtPath: svc.certPath,
      configPath: svc.configPath,
      reloadCommand: svc.reloadCommand,
      haproxyBinary: '/usr/sbin/haproxy',
      ...restart,
    },
    probe: { sni: [sni] },
  };
}

describe('inventories/linux-web.yaml against the lab', () => {
  it('passes inventory check with its lab addresses', () => {
    const r = runCli(['inventory', 'check', inventoryPath]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('pool shop: lb-01 lb-01:');
    expect(r.stdout).toMatch(/vip \S+, sampled 8 times per name/);
  });

  it('plans every binding of both environments, as written, loading neither execa nor node-forge (SSH hosts and a PEM bundle need neither)', () => {
    const planPath = join(fx().lab.dir, 'plan.json');
    const trace = fileURLToPath(new URL('../fixtures/inventory/trace-imports.ts', import.meta.url));
    const args = ['plan', ...fx().args().slice(2), '-i', inventoryPath, '-o', planPath];
    const r = spawnSync(process.execPath, ['--import', trace, BIN, ...args], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 90_000,
    });
    expect(r.status, r.stderr).toBe(2);
    // The trace sees the modules that are loaded: the ssh library is, so it can see these too.
    expect(r.stderr).toMatch(/loaded .*node_modules\/ssh2\//);
    expect(r.stderr).not.toMatch(/loaded .*node_modules\/(execa|node-forge)\//);
    const plan = JSON.parse(readFileSync(planPath, 'utf8')) as {
      environments: {
        name: string;
        hosts: { name: string; bindings: { kind: string; action: string }[] }[];
      }[];
    };
    expect(plan.environments.map((e) => e.name)).toEqual(
      list(example.environments).map((e) => e.name),
    );
    const kinds = plan.environments.flatMap((e) =>
      e.hosts.map((h) => `${h.name}:${h.bindings.map((b) => `${b.kind} ${b.action}`).join(',')}`),
    );
    expect(kinds).toEqual([
      'stg-web-01.example.internal:nginx replace',
      'web-01:nginx replace',
      'web-02:nginx replace',
      'lb-01:haproxy replace',
      'lb-02:haproxy replace',
    ]);
  });
});

interface RunRecord {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/** The newest run's id and its journal's records. */
function newestRun(): { id: string; records: RunRecord[] } {
  const runs = join(fx().stateDir, 'runs');
  const id = readdirSync(runs).sort().at(-1)!;
  const records = readFileSync(join(runs, id, 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as RunRecord);
  return { id, records };
}

/** `TYPE WHERE STEP` of every step record, in journal order (WHERE: the host, else the env). */
const stepLines = (records: readonly RunRecord[]): string[] =>
  records
    .filter((r) => r.type.startsWith('step-'))
    .map((r) => `${r.type} ${String(r.data['host'] ?? r.data['env'])} ${String(r.data['step'])}`);

/** Position of a step record in `lines` (fails the test when it is missing). */
function at(lines: readonly string[], line: string): number {
  const i = lines.indexOf(line);
  expect(i, `${line} in the journal`).toBeGreaterThanOrEqual(0);
  return i;
}

/** What every endpoint and the VIP settle on serving, by host name (and `vip`). */
async function servedEverywhere(until: string): Promise<Record<string, string>> {
  const { name, root } = fx();
  const out: Record<string, string> = {};
  for (const e of [...endpoints, { host: 'vip', ...vipEndpoint }])
    out[e.host] = await servedStable(e.address, e.port, name, [root.certPem], { until });
  return out;
}

const everywhere = (sha256: string): Record<string, string> =>
  Object.fromEntries([...endpoints.map((e) => e.host), 'vip'].map((h) => [h, sha256]));

describe('inventories/linux-web.yaml applied and rolled back on the lab', () => {
  const planPath = () => join(fx().lab.dir, 'plan.json');

  it('refuses a soak without its unit: exit 64, before the plan is read', () => {
    const r = runCli(['apply', planPath(), '--soak', '300', '--state-dir', fx().stateDir]);
    expect(r.code, r.stderr).toBe(64);
    expect(r.stderr).toContain("option '--soak <duration>' argument '300' is invalid");
    expect(r.stderr).toContain('expected a duration with its unit');
  });

  it('applies the plan with its policies: canary web-01 alone first, then batches of 2, each production node restarted and proven, the pool checked whole, the VIP on the new certificate', async () => {
    const { root, newLeaf, stateDir } = fx();
    // production asks for approval (--approve, as a pipeline gives it); the soaks are shortened.
    const r = runCli(
      [
        ...['apply', planPath(), '--trust', root.certPath, '--approve', 'production'],
        ...['--soak', '0s', '--state-dir', stateDir],
      ],
      { timeoutMs: 120_000 },
    );
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^rollout succeeded$/m);
    expect(r.stdout).toContain('pool shop in production: verified');
    expect(r.stdout).toContain(
      "warning: --soak 0s replaced the policy's soak (staging 2m, production 5m): no soak and no re-probe after those environments",
    );
    for (const e of endpoints)
      expect(r.stdout).toMatch(new RegExp(`\\s${e.host}\\s+${e.host}:${e.port}\\s+verified\\s`));
    const { records } = newestRun();
    // The journal's first record keeps what --soak replaced.
    expect(records[0]?.data['soakOverride']).toEqual({
      ms: 0,
      replaced: [
        { env: 'staging', policyMs: 120_000 },
        { env: 'production', policyMs: 300_000 },
      ],
    });
    const steps = stepLines(records);
    expect(steps.filter((l) => l.startsWith('step-failed'))).toEqual([]);
    // Every binding proven by a fresh handshake that saw the new leaf, on the node itself.
    const verified = records.filter(
      (x) => x.type === 'step-finished' && x.data['step'] === 'verify',
    );
    expect(verified.map((v) => v.data['observed'])).toEqual(verified.map(() => newLeaf.sha256));
    // The canary by name ends before any other production node starts; then web-02 and lb-01
    // together (batchSize 2, concurrency 2), then lb-02.
    const done = (h: string) => at(steps, `step-finished ${h} release`);
    const began = (h: string) => at(steps, `step-started ${h} connect`);
    expect(at(steps, 'step-finished production approve')).toBeLessThan(began('web-01'));
    expect(done('web-01')).toBeLessThan(Math.min(began('web-02'), began('lb-01')));
    expect(Math.max(began('web-02'), began('lb-01'))).toBeLessThan(
      Math.min(done('web-02'), done('lb-01')),
    );
    expect(Math.max(done('web-02'), done('lb-01'))).toBeLessThan(began('lb-02'));
    // coldStartCheck (production only): bound, proven, restarted, proven again.
    const ofHost = (h: string) =>
      steps
        .filter((l) => l.startsWith(`step-finished ${h} `))
        .map((l) => l.split(' ')[2])
        .filter((s) => ['bind', 'verify', 'restart'].includes(s ?? ''));
    expect(ofHost('stg-web-01.example.internal')).toEqual(['bind', 'verify']);
    for (const h of ['web-01', 'web-02', 'lb-01', 'lb-02'])
      expect(ofHost(h)).toEqual(['bind', 'verify', 'restart', 'verify']);
    // The pool checked whole once its last member was done; no soak waited.
    expect(at(steps, 'step-finished production poolCheck')).toBeGreaterThan(done('lb-02'));
    expect(steps.filter((l) => l.endsWith(' soak'))).toEqual([]);
    expect(await servedEverywhere(newLeaf.sha256)).toEqual(everywhere(newLeaf.sha256));
  }, 150_000);

  it('rolls that run back: every node, the pool members included, proven on the old certificate, none needs attention', async () => {
    const { root, oldLeaf, stateDir } = fx();
    const { id } = newestRun();
    const r = runCli(['rollback', id, '--yes', '--trust', root.certPath, '--state-dir', stateDir], {
      timeoutMs: 120_000,
    });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^rollback succeeded$/m);
    expect(r.stdout).not.toContain('needs-attention');
    for (const e of endpoints)
      expect(r.stdout).toMatch(
        new RegExp(
          `\\s${e.host}\\s+${e.host}:${e.port}\\s+rolled-back\\s+serves ${oldLeaf.sha256.slice(0, 12)}`,
        ),
      );
    const rolled = newestRun().records.filter((x) => x.type === 'host-rolled-back');
    expect(Object.fromEntries(rolled.map((x) => [x.data['host'], x.data['status']]))).toEqual(
      Object.fromEntries(endpoints.map((e) => [e.host, 'rolled-back'])),
    );
    expect(await servedEverywhere(oldLeaf.sha256)).toEqual(everywhere(oldLeaf.sha256));
  }, 150_000);
});
