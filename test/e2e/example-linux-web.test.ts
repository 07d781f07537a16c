// The shipped example inventories/linux-web.yaml, planned through the built CLI against the lab:
// its environments, policies (canary by name, approval, cold-start check), nginx hosts and the
// haproxy pair in a pool behind a VIP stay as written; only what points at real machines (addresses, SSH
// port and key, file paths, ports, the certificate's name) is rewritten to lab hosts.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../lab/procs.js';
import {
  nginxParams,
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
  example = obj(parse(readFileSync(EXAMPLE, 'utf8')));
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

  it('plans every binding of both environments, as written', () => {
    const planPath = join(fx().lab.dir, 'plan.json');
    const r = runCli(['plan', ...fx().args().slice(2), '-i', inventoryPath, '-o', planPath], {
      timeoutMs: 90_000,
    });
    expect(r.code, r.stderr).toBe(2);
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
