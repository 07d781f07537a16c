import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverHosts } from '../../../src/discover/run.js';
import { createTransport } from '../../../src/transport/factory.js';
import { probe } from '../../../src/probe/probe.js';
import { coverageGaps } from '../../../src/discover/gate.js';
import { type Binding, type Host } from '../../../src/inventory/model.js';
import {
  startLab,
  type Lab,
  type LabService,
  freePort,
  TestPki,
  type Issued,
  nginxParams,
} from '../../lab/index.js';

// Discovery against a real host: sshd, nginx on three TLS ports and haproxy on one, of which the
// inventory lists two nginx ports. Nothing is faked: ss, nginx -T, the haproxy config, openssl
// on the host, TLS probes.
const NAME = 'disc.lab.test';
let lab: Lab;
let pki: TestPki;
let root: Issued;
let oldLeaf: Issued;
let nginx: LabService;
let haproxy: LabService;
let ports: number[];
let host: Host;

const binding = (port: number, svc: LabService, address: string): Binding => ({
  id: `n-${port}`,
  port,
  kind: 'nginx',
  params: nginxParams(svc),
  probe: { address, port, sni: [NAME] },
  origin: {},
});

beforeAll(async () => {
  pki = TestPki.create();
  root = pki.root();
  oldLeaf = pki.leaf(NAME, root, { days: 60 });
  lab = await startLab({ hosts: 1 });
  const h = lab.hosts[0]!;
  ports = [];
  for (let i = 0; i < 4; i++) ports.push(await freePort(h.address));
  const cert = { certPath: oldLeaf.certPath, keyPath: oldLeaf.keyPath };
  nginx = await h.nginx({ ports: ports.slice(0, 3), cert });
  haproxy = await h.haproxy({ ports: [ports[3]!], cert });
  host = h.toHost({
    bindings: [binding(ports[0]!, nginx, h.address), binding(ports[1]!, nginx, h.address)],
  });
}, 60_000);

afterAll(async () => {
  await lab?.stop();
  pki?.cleanup();
});

const discover = (h: Host) =>
  discoverHosts([{ env: 'lab', host: h }], {
    trust: [root.certPem],
    probeTimeoutMs: 2000,
    transportFor: (x) => createTransport(x),
    probe,
  });

describe('certroll discover on a lab host', () => {
  it('finds the unlisted nginx port and the haproxy port on the old certificate', async () => {
    const { hosts, old } = await discover(host);
    expect([...old]).toEqual([oldLeaf.sha256]);
    const d = hosts[0]!;
    expect(d.error).toBeUndefined();
    const at = (p: number) => d.endpoints.find((e) => e.port === p && e.sni === undefined);
    expect(at(ports[0]!)?.coverage).toEqual({ kind: 'binding', binding: `n-${ports[0]}` });
    expect(at(ports[1]!)?.coverage.kind).toBe('binding');
    for (const p of [ports[2]!, ports[3]!]) {
      expect(at(p)?.coverage.kind).toBe('uncovered');
      expect(at(p)?.old).toBe(true);
      expect(at(p)?.served.map((s) => s.cert.sha256)).toContain(oldLeaf.sha256);
    }
    expect(at(ports[2]!)?.configured).toMatchObject([
      {
        source: 'nginx',
        certFile: nginx.certPath,
        keyFile: nginx.keyPath,
        cert: { sha256: oldLeaf.sha256 },
      },
    ]);
    expect(at(ports[3]!)?.configured).toMatchObject([
      {
        source: 'haproxy',
        certFile: haproxy.certPath,
        configFile: haproxy.configPath,
        cert: { sha256: oldLeaf.sha256 },
      },
    ]);
    expect(
      coverageGaps(hosts)
        .map((g) => g.endpoint.port)
        .sort(),
    ).toEqual([ports[2]!, ports[3]!].sort());
    // The haproxy PEM holds the private key; only the certificate may come back.
    expect(JSON.stringify(hosts)).not.toContain('PRIVATE KEY');
  }, 60_000);

  it('an exclusion with a reason covers an endpoint', async () => {
    const excluded = { ...host, exclusions: [{ port: ports[3]!, reason: 'vendor box' }] };
    const { hosts } = await discover(excluded);
    const e = hosts[0]!.endpoints.find((x) => x.port === ports[3]);
    expect(e?.coverage).toEqual({ kind: 'excluded', reason: 'vendor box' });
  }, 60_000);

  it('flags a certificate file replaced without a reload as configured-not-served', async () => {
    const fresh = pki.leaf(NAME, root, { days: 3, keyPath: oldLeaf.keyPath });
    const saved = readFileSync(nginx.certPath);
    writeFileSync(nginx.certPath, fresh.certPem);
    try {
      const { hosts } = await discover(host);
      const e = hosts[0]!.endpoints.find((x) => x.port === ports[0] && x.sni === undefined)!;
      expect(e.served.map((s) => s.cert.sha256)).toContain(oldLeaf.sha256);
      expect(e.configured[0]?.cert?.sha256).toBe(fresh.sha256);
      const messages = e.findings.map((f) => `${f.severity} ${f.message}`);
      expect(messages.some((m) => m.startsWith('WARNING configured certificate differs'))).toBe(
        true,
      );
      expect(
        messages.some((m) => /^CRITICAL configured certificate expires in [23] day/.test(m)),
      ).toBe(true);
      // haproxy's file was not touched: no finding there.
      const hx = hosts[0]!.endpoints.find((x) => x.port === ports[3])!;
      expect(hx.findings).toEqual([]);
    } finally {
      writeFileSync(nginx.certPath, saved);
    }
  }, 60_000);
});
