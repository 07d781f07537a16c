// Port 7046 (Business Central client services) speaks net.tcp: TLS starts inside .NET Message
// Framing. The simulated endpoint (test/lab/windows/sim/nettcp/server.mjs) serves a certificate
// only after the framing's ssl-tls upgrade; the nettcp probe sees it, a plain TLS probe never does.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../../src/probe/probe.js';
import { probeVerifier } from '../../../src/probe/verifier.js';
import { type Binding } from '../../../src/inventory/model.js';
import { TestPki, type Issued } from '../../lab/pki.js';
import {
  instanceCertificate,
  startNetTcpServer,
  type NetTcpServer,
} from '../../lab/windows/sim/nettcp/server.mjs';

let pki: TestPki;
let leaf: Issued;
let other: Issued;
let trust: string[];
let sim: NetTcpServer;
let serving: Issued;
let tlsServer: Server;
let tlsPort: number;

beforeAll(async () => {
  pki = TestPki.create();
  const set = pki.chain(['bc.contoso.test']);
  leaf = set.leaf;
  other = pki.chain(['bc.contoso.test']).leaf;
  trust = [set.root.certPem];
  serving = leaf;
  sim = await startNetTcpServer({
    certificate: () => ({ cert: serving.certPem + set.intermediate.certPem, key: serving.keyPem }),
  });
  tlsServer = createTlsServer({ cert: leaf.certPem, key: leaf.keyPem });
  await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
  tlsPort = (tlsServer.address() as { port: number }).port;
});
afterAll(async () => {
  await sim.close();
  await new Promise((r) => tlsServer.close(r));
  pki.cleanup();
});

const VIA = 'net.tcp://bc.contoso.test:7046/BC240/Service';
const target = (port: number, protocol?: 'tls' | 'nettcp') => ({
  address: '127.0.0.1',
  port,
  sni: 'bc.contoso.test',
  ...(protocol !== undefined ? { protocol, via: VIA } : {}),
});

/** The inventory binding of BC client services, with or without the net.tcp probe mode. */
const binding = (protocol?: 'nettcp'): Binding => ({
  id: 'bc-01:7046',
  port: 7046,
  kind: 'bc-service-tier',
  params: { instance: 'BC240' },
  probe: {
    address: '127.0.0.1',
    port: sim.port,
    sni: ['bc.contoso.test'],
    ...(protocol !== undefined ? { protocol, via: VIA } : {}),
  },
  origin: { file: 'inventory.yaml', line: 1 },
});

describe('a net.tcp probe', () => {
  it('sees the certificate served inside the framing, trusted and for the name', async () => {
    const r = await probe(target(sim.port, 'nettcp'), { trust, timeoutMs: 5000 });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    expect(r.leaf.sha256).toBe(leaf.sha256);
    expect(r.trust.trusted).toBe(true);
    expect(r.name.matches).toBe(true);
    expect(sim.events).toContainEqual({ via: VIA, upgrade: 'application/ssl-tls' });
  });

  it('follows a rebind: the next handshake sees the new certificate', async () => {
    serving = other;
    try {
      const r = await probe(target(sim.port, 'nettcp'), { trust, timeoutMs: 5000 });
      expect(r.ok && r.leaf.sha256).toBe(other.sha256);
    } finally {
      serving = leaf;
    }
  });

  it('is never verified by a plain TLS handshake, and is verified through the framing', async () => {
    const r = await probe(target(sim.port), { trust, timeoutMs: 5000, sniffNotTls: false });
    expect(r.ok).toBe(false);
    expect(sim.events).toContainEqual({ fault: 'UnsupportedVersion' });
    const verifier = probeVerifier({
      probe,
      trust,
      timeoutMs: 2000,
      deadlineMs: 1500,
      maxAttempts: 2,
    });
    const signal = new AbortController().signal;
    const plain = await verifier.serves(binding(), leaf.sha256, signal);
    expect(plain.ok).toBe(false);
    const framed = await verifier.serves(binding('nettcp'), leaf.sha256, signal);
    expect(framed).toEqual({ ok: true, observed: leaf.sha256 });
  });

  it('against a plain TLS port fails clearly instead of guessing', async () => {
    const r = await probe(target(tlsPort, 'nettcp'), { trust, timeoutMs: 5000 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    // Node's TLS server closes on bytes that are no ClientHello; others send an alert (0x15).
    expect(['reset', 'not-tls']).toContain(r.failure.kind);
    expect(r.failure.message).toMatch(/\.NET Message Framing/);
  });

  it('reports the fault a net.tcp server sends when it refuses the upgrade', async () => {
    // A via this server does not serve is still accepted here; an unknown encoding is not.
    const { connect } = await import('node:net');
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const s = connect(sim.port, '127.0.0.1', () =>
        s.write(Buffer.from([0x00, 0x01, 0x00, 0x01, 0x02, 0x02, 0x01, 0x2f, 0x03, 0x7f])),
      );
      let got = Buffer.alloc(0);
      s.on('data', (d: Buffer) => (got = Buffer.concat([got, d])));
      s.on('close', () => resolve(got));
      s.on('error', reject);
    });
    expect(reply[0]).toBe(0x08);
    expect(reply.toString('utf8')).toContain('/framing/faults/ContentTypeInvalid');
  });

  it("serves a BC instance's configured thumbprint from the simulated store, read per handshake", async () => {
    // The layout of the simulated Windows host: bc/<Instance>/CustomSettings.config and
    // store/LocalMachine/My/<THUMBPRINT>.cer/.key.
    const root = join(pki.dir, 'simroot');
    const my = join(root, 'store', 'LocalMachine', 'My');
    mkdirSync(join(root, 'bc', 'BC240'), { recursive: true });
    mkdirSync(my, { recursive: true });
    for (const c of [leaf, other]) {
      writeFileSync(join(my, `${c.thumbprint}.cer`), c.certPem);
      writeFileSync(join(my, `${c.thumbprint}.key`), c.keyPem);
    }
    const configure = (thumbprint: string) =>
      writeFileSync(
        join(root, 'bc', 'BC240', 'CustomSettings.config'),
        `<?xml version="1.0" encoding="utf-8"?>\n<appSettings>\n  <add key="ClientServicesPort" value="7046" />\n  <add key="ServicesCertificateThumbprint" value="${thumbprint}" />\n</appSettings>\n`,
      );
    configure(leaf.thumbprint.toLowerCase());
    const bc = await startNetTcpServer({ certificate: instanceCertificate(root, 'BC240') });
    try {
      const first = await probe(target(bc.port, 'nettcp'), { trust, timeoutMs: 5000 });
      expect(first.ok && first.leaf.sha256).toBe(leaf.sha256);
      configure(other.thumbprint);
      const second = await probe(target(bc.port, 'nettcp'), { trust, timeoutMs: 5000 });
      expect(second.ok && second.leaf.sha256).toBe(other.sha256);
    } finally {
      await bc.close();
    }
  });
});
