// The demo's story, as data: two environments, three hosts, two bindings each, one of which has a
// reload command that does nothing; the certificates (a demo CA, the old leaf served at start and
// the new one rolled out); and the inventory that points certroll at the lab.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Lab, type LabHostSpec } from './lab.js';
import { issueCertificate, type Issued } from './x509.js';

export const DEMO_NAMES = { www: 'www.demo.test', api: 'api.demo.test' } as const;
type BindingName = keyof typeof DEMO_NAMES;

export interface ScenarioHost {
  readonly env: 'staging' | 'production';
  readonly name: string;
  readonly address: string;
  /** Bindings whose reload command does nothing (the daemon keeps the old certificate). */
  readonly forgetsReload: readonly BindingName[];
}

// Loopback addresses of their own: an inventory gives every host a distinct address.
export const SCENARIO_HOSTS: readonly ScenarioHost[] = [
  { env: 'staging', name: 'stg-01', address: '127.0.0.21', forgetsReload: [] },
  { env: 'production', name: 'prod-01', address: '127.0.0.31', forgetsReload: [] },
  { env: 'production', name: 'prod-02', address: '127.0.0.32', forgetsReload: ['api'] },
];
const BINDINGS: readonly BindingName[] = ['www', 'api'];

export const bindingId = (host: string, name: string) => `${host}/${name}`;
/** The one binding the story expects to fail verification and be rolled back. */
export const FAILING_BINDING = bindingId('prod-02', 'api');

export interface Certificates {
  readonly ca: Issued;
  readonly oldLeaf: Issued;
  readonly newLeaf: Issued;
  readonly caPath: string;
  /** The new leaf and its key in one PEM file: what `--cert` is given. */
  readonly bundlePath: string;
}

export function makeCertificates(dir: string): Certificates {
  const names = Object.values(DEMO_NAMES);
  const ca = issueCertificate({ commonName: 'certroll demo CA', isCa: true, days: 365 });
  // The old certificate is about to expire: the reason for the rollout.
  const oldLeaf = issueCertificate({
    commonName: DEMO_NAMES.www,
    dnsNames: names,
    days: 12,
    issuer: ca,
  });
  const newLeaf = issueCertificate({
    commonName: DEMO_NAMES.www,
    dnsNames: names,
    days: 90,
    issuer: ca,
  });
  const caPath = join(dir, 'demo-ca.pem');
  const bundlePath = join(dir, 'new-certificate.pem');
  writeFileSync(caPath, ca.certPem, { mode: 0o644 });
  writeFileSync(bundlePath, newLeaf.certPem + newLeaf.keyPem, { mode: 0o600 });
  return { ca, oldLeaf, newLeaf, caPath, bundlePath };
}

export function labSpecs(certs: Certificates): LabHostSpec[] {
  return SCENARIO_HOSTS.map((h) => ({
    name: h.name,
    address: h.address,
    bindings: BINDINGS.map((name) => ({
      name,
      certPem: certs.oldLeaf.certPem,
      keyPem: certs.oldLeaf.keyPem,
    })),
  }));
}

// JSON strings are valid YAML double-quoted scalars: any path survives.
const q = (s: string) => JSON.stringify(s);

export function writeInventory(lab: Lab, path: string): void {
  const lines = [
    '# Written by `certroll demo`: the lab on this machine, reached over SSH like any host.',
    'version: 1',
    'defaults:',
    '  transport:',
    `    { kind: ssh, user: ${q(lab.user)}, identityFile: ${q(lab.clientKeyPath)}, knownHosts: ${q(lab.knownHostsPath)}, connectTimeout: 10s, commandTimeout: 30s }`,
    'environments:',
  ];
  for (const env of ['staging', 'production'] as const) {
    lines.push(`  - name: ${env}`);
    if (env === 'production')
      lines.push(
        '    policy: { canary: [prod-01], batchSize: 1, concurrency: 1, failureBudget: 0 }',
      );
    lines.push('    hosts:');
    for (const s of SCENARIO_HOSTS.filter((x) => x.env === env)) {
      const host = lab.hosts.find((x) => x.name === s.name);
      if (host === undefined) throw new Error(`the lab has no host ${s.name}`);
      lines.push(
        `      - name: ${host.name}`,
        `        address: ${host.address}`,
        `        stateDir: ${q(host.stateDir)}`,
        `        transport: { port: ${host.ssh.port} }`,
        '        bindings:',
      );
      for (const b of host.bindings) {
        const forgets = s.forgetsReload.includes(b.name as BindingName);
        // The reload command runs in the host's sandbox; `true` is the reload someone forgot.
        const reload = forgets ? 'true' : `touch ./${b.reloadMarker}`;
        lines.push(
          `          - id: ${bindingId(host.name, b.name)}`,
          `            port: ${b.port}`,
          '            kind: pem-files',
          `            params: { certPath: ${q(b.certPath)}, keyPath: ${q(b.keyPath)}, reloadCommand: ${q(reload)} }`,
          `            probe: { sni: [${DEMO_NAMES[b.name as BindingName]}] }`,
        );
      }
    }
  }
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o644 });
}
