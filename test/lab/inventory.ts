// Inventories for the tests: YAML files for lab hosts with nginx bindings (what the CLI reads),
// and resolved inventory models built directly, without the parser (what the engine takes).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Binding,
  type Host,
  type Inventory,
  type RolloutPolicy,
  type ProbeSpec,
  type TransportConfig,
} from '../../src/inventory/model.js';
import { type Lab, type LabHost } from './index.js';
import { type LabService } from './nginx.js';
import { type Issued } from './pki.js';

/** An inventory's first lines: version, and SSH as root with the lab's client key and known_hosts. */
export function labInventoryHead(lab: Lab): string[] {
  return [
    'version: 1',
    'defaults:',
    `  transport: { kind: ssh, user: root, identityFile: ${lab.clientKey.privatePath}, knownHosts: ${lab.knownHostsPath} }`,
    'environments:',
  ];
}

/** The `params` of an nginx binding for a lab service (as an inventory or a plan holds them). */
export function nginxParams(svc: LabService): Record<string, unknown> {
  return {
    certPath: svc.certPath,
    keyPath: svc.keyPath,
    nginxBinary: '/usr/sbin/nginx',
    nginxArgs: ['-p', svc.prefix, '-c', svc.configPath],
  };
}

/** One host of an inventory (under `hosts:`) with an nginx binding per port of `svc`. */
export function nginxHostYaml(h: LabHost, svc: LabService, stateDir: string, sni: string): string {
  return [
    `      - name: ${h.name}`,
    `        address: ${h.address}`,
    `        stateDir: ${stateDir}`,
    `        transport: { port: ${h.sshPort} }`,
    '        bindings:',
    ...svc.ports.flatMap((port) => [
      `          - port: ${port}`,
      '            kind: nginx',
      `            params: { certPath: ${svc.certPath}, keyPath: ${svc.keyPath}, nginxBinary: /usr/sbin/nginx, nginxArgs: [-p, ${svc.prefix}, -c, ${svc.configPath}] }`,
      `            probe: { sni: [${sni}] }`,
    ]),
  ].join('\n');
}

/**
 * On every host of the lab: a private state folder and one nginx serving `leaf` on port 8443;
 * returns the services and each host's inventory entry (for `nginxHostYaml`'s `hosts:` list).
 */
export async function nginxOnEveryHost(
  lab: Lab,
  leaf: Pick<Issued, 'certPath' | 'keyPath'>,
  sni: string,
): Promise<{ services: LabService[]; hostsYaml: string[] }> {
  const services: LabService[] = [];
  const hostsYaml: string[] = [];
  for (const h of lab.hosts) {
    mkdirSync(join(h.dir, 'state'), { mode: 0o700 });
    const svc = await h.nginx({
      ports: [8443],
      cert: { certPath: leaf.certPath, keyPath: leaf.keyPath },
    });
    services.push(svc);
    hostsYaml.push(nginxHostYaml(h, svc, join(h.dir, 'state'), sni));
  }
  return { services, hostsYaml };
}

/** Writes `<lab>/inventory.yaml`: the lab's head, then each environment (policy as YAML flow). */
export function writeLabInventory(
  lab: Lab,
  envs: readonly { name: string; policy?: string; hosts: readonly string[] }[],
): string {
  const path = join(lab.dir, 'inventory.yaml');
  const lines = envs.flatMap((e) => [
    `  - name: ${e.name}`,
    ...(e.policy !== undefined ? [`    policy: ${e.policy}`] : []),
    '    hosts:',
    ...e.hosts,
  ]);
  writeFileSync(path, [...labInventoryHead(lab), ...lines, ''].join('\n'));
  return path;
}

/** One host's entry with an nginx binding per port of `svc` in an environment `lab`: a whole file. */
export function writeOneHostInventory(lab: Lab, h: LabHost, svc: LabService, sni: string): string {
  mkdirSync(join(h.dir, 'state'), { recursive: true, mode: 0o700 });
  return writeLabInventory(lab, [
    { name: 'lab', hosts: [nginxHostYaml(h, svc, join(h.dir, 'state'), sni)] },
  ]);
}

// Resolved models, built directly: what the parser would return for these hosts.

/** The policy an environment gets when its inventory says nothing. */
export const DEFAULT_POLICY: RolloutPolicy = {
  canary: [],
  batchSize: 1,
  concurrency: 1,
  failureBudget: 0,
  onFailure: 'halt',
  approval: false,
  soakMs: 0,
  coldStartCheck: false,
};

/** This machine as a host on the local transport, without bindings. */
export function localHost(name = 'lab', transport: Partial<TransportConfig> = {}): Host {
  return {
    name,
    address: '127.0.0.1',
    transport: {
      kind: 'local',
      port: 0,
      knownHosts: [],
      sudo: false,
      connectTimeoutMs: 5_000,
      commandTimeoutMs: 20_000,
      ...transport,
    },
    legacyPfx: false,
    bindings: [],
    exclusions: [],
    origin: {},
  };
}

export function binding(host: string, port: number, probe: ProbeSpec): Binding {
  return { id: `${host}:${port}`, port, kind: 'nginx', params: {}, probe, origin: {} };
}

/** A host on the local transport at `address`, with short timeouts (scan tests). */
export function host(name: string, address: string, bindings: readonly Binding[]): Host {
  const transport = { port: 22, connectTimeoutMs: 1000, commandTimeoutMs: 1000 };
  return { ...localHost(name, transport), address, bindings };
}

/** One environment with the default policy. */
export function inventoryOf(env: string, hosts: readonly Host[]): Inventory {
  return {
    source: 'test',
    digest: '0'.repeat(64),
    playbookDirs: [],
    environments: [{ name: env, policy: DEFAULT_POLICY, hosts, origin: {} }],
  };
}
