// What the lab rollout tests share: the certificates of a renewal and the inventory entries of
// lab hosts with nginx bindings.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Lab, type LabHost, type LabService } from '../lab/index.js';
import { TestPki, type Issued } from './pki.js';

export interface RenewalPki {
  readonly pki: TestPki;
  readonly root: Issued;
  readonly intermediate: Issued;
  /** Served before the rollout (20 days left). */
  readonly oldLeaf: Issued;
  /** Rolled out (200 days). */
  readonly newLeaf: Issued;
  /** The new leaf, the intermediate and the new key in one PEM file. */
  readonly bundlePath: string;
}

/** A root, an intermediate, and an old and a new leaf for `name` issued by it. */
export function renewalPki(name: string): RenewalPki {
  const pki = TestPki.create();
  const root = pki.root();
  const intermediate = pki.issue({ cn: 'lab intermediate', isCa: true, days: 365 }, root);
  const oldLeaf = pki.issue({ cn: name, sans: [name], days: 20 }, intermediate);
  const newLeaf = pki.issue({ cn: name, sans: [name], days: 200 }, intermediate);
  const bundlePath = pki.write(
    'bundle.pem',
    newLeaf.certPem + intermediate.certPem + newLeaf.keyPem,
  );
  return { pki, root, intermediate, oldLeaf, newLeaf, bundlePath };
}

/** An inventory's first lines: version, and SSH as root with the lab's client key and known_hosts. */
export function labInventoryHead(lab: Lab): string[] {
  return [
    'version: 1',
    'defaults:',
    `  transport: { kind: ssh, user: root, identityFile: ${lab.clientKey.privatePath}, knownHosts: ${lab.knownHostsPath} }`,
    'environments:',
  ];
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
