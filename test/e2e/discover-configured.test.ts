import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startLab,
  type Lab,
  type LabService,
  freePort,
  labInventoryHead,
  usePki,
} from '../lab/index.js';
import { runCli } from '../helpers/cli.js';

// The second outage: a certificate file replaced on disk without a reload. The port still
// serves the old one; the next restart would load the new file, which expires in three days.
// discover and `scan --configured` say so; a plain scan cannot see it.
const NAME = 'conf.lab.test';
let lab: Lab;

const certs = usePki((pki) => {
  const root = pki.root();
  const served = pki.leaf(NAME, root, { days: 200 });
  const onDisk = pki.leaf(NAME, root, { days: 3, keyPath: served.keyPath });
  return { root, served, onDisk };
});
let nginx: LabService;
let inventoryPath: string;

beforeAll(async () => {
  lab = await startLab({ hosts: 1 });
  const h = lab.hosts[0]!;
  const port = await freePort(h.address);
  nginx = await h.nginx({
    ports: [port],
    cert: { certPath: certs.served.certPath, keyPath: certs.served.keyPath },
  });
  writeFileSync(nginx.certPath, certs.onDisk.certPem);
  inventoryPath = join(lab.dir, 'inventory.yaml');
  writeFileSync(
    inventoryPath,
    [
      ...labInventoryHead(lab),
      '  - name: lab',
      '    hosts:',
      `      - name: ${h.name}`,
      `        address: ${h.address}`,
      `        transport: { port: ${h.sshPort} }`,
      '        bindings:',
      `          - port: ${port}`,
      '            kind: nginx',
      `            params: { certPath: ${nginx.certPath}, keyPath: ${nginx.keyPath}, nginxBinary: /usr/sbin/nginx, nginxArgs: [-p, ${nginx.prefix}, -c, ${nginx.configPath}] }`,
      `            probe: { sni: [${NAME}] }`,
      '',
    ].join('\n'),
  );
}, 60_000);

afterAll(async () => {
  await lab?.stop();
});

describe('configured versus served', () => {
  it('discover flags the file that differs from what is served and expires soon, and exits 2 for the CRITICAL', () => {
    const r = runCli(['discover', '-i', inventoryPath, '--trust', certs.root.certPath], {
      timeoutMs: 60_000,
    });
    expect(r.code, r.stderr + r.stdout).toBe(2);
    expect(r.stdout).toContain(
      `WARNING: configured certificate differs from the one served: nginx loads ${nginx.certPath} (${certs.onDisk.sha256.slice(0, 16)}), the port serves ${certs.served.sha256.slice(0, 16)}`,
    );
    expect(r.stdout).toMatch(/CRITICAL: configured certificate expires in [23] day\(s\)/);
  }, 60_000);

  it('takes the old certificate from --old or --old-bundle, prints JSON, and refuses a bad --old', () => {
    const base = ['discover', '-i', inventoryPath, '--format', 'json'];
    const r = runCli([...base, '--old', certs.onDisk.sha256.toUpperCase()], { timeoutMs: 60_000 });
    // The configured certificate expires within --crit-days: CRITICAL, whatever else was found.
    expect(r.code, r.stderr).toBe(2);
    const doc = JSON.parse(r.stdout) as {
      old: string[];
      hosts: { endpoints: { old: boolean; coverage: { kind: string } }[] }[];
    };
    expect(doc.old).toEqual([certs.onDisk.sha256]);
    // The bound endpoint loads the old certificate from disk: old, but covered.
    expect(doc.hosts[0]!.endpoints[0]).toMatchObject({ old: true, coverage: { kind: 'binding' } });
    const b = runCli([...base, '--old-bundle', certs.served.certPath], { timeoutMs: 60_000 });
    expect((JSON.parse(b.stdout) as { old: string[] }).old).toEqual([certs.served.sha256]);
    const bad = runCli([...base, '--old', 'nope']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain(
      '--old must be a SHA-256 fingerprint or a prefix of one, not nope: it is not hexadecimal',
    );
  }, 60_000);

  it('a plain scan sees nothing wrong; scan --configured reports it as CRITICAL', () => {
    const plain = runCli(['scan', '-i', inventoryPath, '--trust', certs.root.certPath], {
      timeoutMs: 60_000,
    });
    expect(plain.code, plain.stderr + plain.stdout).toBe(0);
    const r = runCli(
      ['scan', '-i', inventoryPath, '--trust', certs.root.certPath, '--configured'],
      {
        timeoutMs: 60_000,
      },
    );
    expect(r.code, r.stderr + r.stdout).toBe(2);
    expect(r.stdout).toContain('configured: configured certificate differs from the one served');
    expect(r.stdout).toMatch(/configured: configured certificate expires in [23] day\(s\)/);
    const json = runCli(
      [
        'scan',
        '-i',
        inventoryPath,
        '--trust',
        certs.root.certPath,
        '--configured',
        '--format',
        'json',
      ],
      { timeoutMs: 60_000 },
    );
    const doc = JSON.parse(json.stdout) as { status: string; endpoints: { reasons: string[] }[] };
    expect(doc.status).toBe('CRITICAL');
    expect(doc.endpoints[0]!.reasons.some((x) => x.startsWith('configured: '))).toBe(true);
  }, 60_000);
});
