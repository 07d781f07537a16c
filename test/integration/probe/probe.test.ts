import { type AddressInfo } from 'node:net';
import { createServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../../src/probe/probe.js';
import {
  type Nginx,
  freePort,
  startNginx,
  startSilentServer,
  P256,
  usePki,
} from '../../lab/index.js';

const A = '127.0.10.1';

describe('probe against real nginx', () => {
  const certs = usePki((pki) => {
    const root = pki.root();
    const app = pki.leaf('app.test', root, { key: P256 });
    const api = pki.issue({ cn: 'api.test', sans: ['api.test', 'IP:127.0.10.1'] }, root);
    const fallback = pki.leaf('default.test', root, { key: P256 });
    return { root, app, api, fallback };
  });
  let nginx: Nginx;
  let tlsPort: number;
  let plainPort: number;
  let rejectPort: number;
  let ipPort: number;
  let silent: { port: number; stop(): Promise<void> };

  beforeAll(async () => {
    [tlsPort, plainPort, rejectPort, ipPort] = [
      await freePort(A),
      await freePort(A),
      await freePort(A),
      await freePort(A),
    ];
    nginx = await startNginx({
      sessionCache: false,
      servers: [
        {
          address: A,
          port: tlsPort,
          cert: certs.fallback.certPath,
          key: certs.fallback.keyPath,
          defaultServer: true,
        },
        {
          address: A,
          port: tlsPort,
          cert: certs.app.certPath,
          key: certs.app.keyPath,
          serverNames: ['app.test'],
        },
        {
          address: A,
          port: tlsPort,
          cert: certs.api.certPath,
          key: certs.api.keyPath,
          serverNames: ['api.test'],
        },
        { address: A, port: plainPort },
        {
          address: A,
          port: ipPort,
          cert: certs.api.certPath,
          key: certs.api.keyPath,
          defaultServer: true,
        },
        { address: A, port: rejectPort, rejectHandshake: true, defaultServer: true },
        {
          address: A,
          port: rejectPort,
          cert: certs.app.certPath,
          key: certs.app.keyPath,
          serverNames: ['app.test'],
        },
      ],
    });
    silent = await startSilentServer(A);
  });

  afterAll(async () => {
    await nginx?.stop();
    await silent?.stop();
  });

  it('gets the certificate of the server block each SNI name selects', async () => {
    const r1 = await probe(
      { address: A, port: tlsPort, sni: 'app.test' },
      { trust: [certs.root.certPem] },
    );
    const r2 = await probe(
      { address: A, port: tlsPort, sni: 'api.test' },
      { trust: [certs.root.certPem] },
    );
    expect(r1.ok && r1.leaf.sha256).toBe(certs.app.sha256);
    expect(r2.ok && r2.leaf.sha256).toBe(certs.api.sha256);
    if (!r1.ok) return;
    expect(r1.leaf.thumbprint).toBe(certs.app.thumbprint);
    expect(r1.leaf.serial).toBe(certs.app.x509.serialNumber.toUpperCase());
    expect(r1.leaf.sans).toEqual(['DNS:app.test']);
    expect(r1.leaf.notAfter).toBe(new Date(certs.app.x509.validTo).toISOString());
    expect(r1.trust).toEqual({ trusted: true });
    expect(r1.name).toEqual({ name: 'app.test', matches: true });
    expect(r1.protocol).toBe('TLSv1.3');
    expect(r1.cipher).toMatch(/^TLS_/);
    expect(r1.handshakeMs).toBeGreaterThan(0);
  });

  it('sends no SNI when the spec says none, and gets the default server', async () => {
    const r = await probe(
      { address: A, port: tlsPort, sni: null },
      { trust: [certs.root.certPem] },
    );
    expect(r.ok && r.leaf.sha256).toBe(certs.fallback.sha256);
    // Without SNI the name checked is the address, which the default certificate does not carry.
    expect(r.ok && r.name).toEqual({
      name: A,
      matches: false,
      reason: `certificate is not valid for ${A}`,
    });
  });

  it('checks an IP address SAN when no SNI is sent and the name is the address', async () => {
    const r = await probe({ address: A, port: ipPort, sni: null }, { trust: [certs.root.certPem] });
    expect(r.ok && r.name.matches).toBe(true);
  });

  it('reports the chain untrusted with Node roots, and why', async () => {
    const r = await probe({ address: A, port: tlsPort, sni: 'app.test' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.trust.trusted).toBe(false);
    expect(r.trust.reason).toMatch(/UNABLE_TO_(GET_ISSUER_CERT_LOCALLY|VERIFY_LEAF_SIGNATURE)/);
  });

  it('reports a name mismatch separately from trust', async () => {
    const r = await probe(
      { address: A, port: tlsPort, sni: 'other.test' },
      { trust: [certs.root.certPem] },
    );
    expect(r.ok && r.leaf.sha256).toBe(certs.fallback.sha256);
    expect(r.ok && r.trust.trusted).toBe(true);
    expect(r.ok && r.name.matches).toBe(false);
  });

  it('classifies a closed port as refused', async () => {
    const port = await freePort(A);
    const r = await probe({ address: A, port, sni: 'app.test' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.failure).toMatchObject({ kind: 'refused', code: 'ECONNREFUSED', phase: 'tcp' });
  });

  it('classifies plain HTTP as not-tls and quotes what the peer sent', async () => {
    const r = await probe({ address: A, port: plainPort, sni: 'app.test' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.failure.kind).toBe('not-tls');
    expect(r.failure.peerBytes).toMatch(/^HTTP\/1\.1 400/);
    expect(r.failure.message).toContain('HTTP/1.1 400');
  });

  it('classifies an unknown SNI that nginx rejects as a handshake alert with its text', async () => {
    const r = await probe({ address: A, port: rejectPort, sni: 'nobody.test' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.failure.kind).toBe('handshake-alert');
    expect(r.failure.message).toMatch(/unrecognized name/);
    const good = await probe({ address: A, port: rejectPort, sni: 'app.test' });
    expect(good.ok && good.leaf.sha256).toBe(certs.app.sha256);
  });

  it('times out on a server that accepts and never answers the handshake', async () => {
    const started = Date.now();
    const r = await probe({ address: A, port: silent.port, sni: 'app.test' }, { timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.failure).toMatchObject({ kind: 'timeout', phase: 'tls' });
    expect(r.failure.message).toContain('TCP connected but no TLS handshake answer within 300 ms');
  });

  it('classifies a peer that hangs up during the handshake as reset', async () => {
    const rude = await startSilentServer(A, { hangUp: true });
    try {
      const r = await probe({ address: A, port: rude.port, sni: 'app.test' }, { timeoutMs: 2000 });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.failure).toMatchObject({ kind: 'reset', phase: 'tls' });
      expect(r.failure.message).toContain('peer closed the connection during the TLS handshake');
    } finally {
      await rude.stop();
    }
  });

  it('stops at once when its signal is aborted', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const r = await probe(
      { address: A, port: silent.port, sni: 'app.test' },
      { timeoutMs: 5000, signal: ac.signal },
    );
    expect(r.ok === false && r.failure.kind).toBe('aborted');
    expect(r.ok === false && r.elapsedMs).toBeLessThan(1000);
  });

  it('sends no SNI when told so even if the address is a host name, and the name when given', async () => {
    const seen: string[] = [];
    const srv = createServer({
      cert: certs.app.certPem,
      key: certs.app.keyPem,
      SNICallback: (name, cb) => {
        seen.push(name);
        cb(null);
      },
    });
    srv.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const { port } = srv.address() as AddressInfo;
    try {
      const none = await probe({ address: 'localhost', port, sni: null });
      expect(none.ok && none.leaf.sha256).toBe(certs.app.sha256);
      expect(seen).toEqual([]);
      await probe({ address: 'localhost', port, sni: 'app.test' });
      expect(seen).toEqual(['app.test']);
    } finally {
      await new Promise<void>((resolve) => srv.close(() => resolve()));
    }
  });

  it('refuses an IP address as SNI', () => {
    expect(() => probe({ address: A, port: tlsPort, sni: '127.0.0.1' })).toThrow(
      /not the IP address/,
    );
  });
});
