import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTlsEndpoint, type TlsEndpoint } from '../../../src/demo/tls-endpoint.js';
import { issueCertificate } from '../../../src/demo/x509.js';
import { probe } from '../../../src/probe/probe.js';

// The demo's TLS endpoint: serves the files, and the new ones only after the reload marker moved.
const ca = issueCertificate({ commonName: 'endpoint CA', isCa: true, days: 30 });
const leaf = (days: number) =>
  issueCertificate({ commonName: 'www.demo.test', dnsNames: ['www.demo.test'], days, issuer: ca });
const sha = (c: ReturnType<typeof leaf>) => c.cert.fingerprint256.replace(/:/g, '').toLowerCase();
const oldLeaf = leaf(10);
const newLeaf = leaf(90);
let dir: string;
let ep: TlsEndpoint;
const certPath = () => join(dir, 'www.crt');
const keyPath = () => join(dir, 'www.key');
const marker = () => join(dir, 'reload-www');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'certroll-demo-tls-'));
  writeFileSync(certPath(), oldLeaf.certPem);
  writeFileSync(keyPath(), oldLeaf.keyPem);
  ep = await startTlsEndpoint({ certPath: certPath(), keyPath: keyPath(), reloadMarker: marker() });
});
afterAll(async () => {
  await ep?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function served(): Promise<string | undefined> {
  const r = await probe(
    { address: ep.address, port: ep.port, sni: 'www.demo.test' },
    { trust: [ca.certPem], timeoutMs: 2_000 },
  );
  return r.ok ? r.leaf.sha256 : undefined;
}
const touch = (when: number) => {
  writeFileSync(marker(), '');
  utimesSync(marker(), when, when);
};

describe('the demo TLS endpoint', () => {
  it('serves the files it found at start, and keeps serving them until told to reload', async () => {
    expect(await served()).toBe(sha(oldLeaf));
    writeFileSync(certPath(), newLeaf.certPem);
    writeFileSync(keyPath(), newLeaf.keyPem);
    ep.poll();
    expect(await served()).toBe(sha(oldLeaf));
    touch(1_000);
    ep.poll();
    expect(ep.reloads()).toBe(1);
    expect(await served()).toBe(sha(newLeaf));
  });

  it('keeps the certificate it has when the files on disk do not make a pair', async () => {
    writeFileSync(certPath(), oldLeaf.certPem); // the new key stays: a mismatched pair
    touch(2_000);
    ep.poll();
    expect(ep.reloads()).toBe(1);
    expect(await served()).toBe(sha(newLeaf));
  });

  it('closes: the port refuses connections afterwards', async () => {
    const other = await startTlsEndpoint({
      certPath: certPath(),
      keyPath: join(dir, 'www.key'),
      reloadMarker: marker(),
    }).catch((e: unknown) => e);
    // The pair on disk is mismatched now, so starting must fail loudly instead of serving it.
    expect(other).toBeInstanceOf(Error);
    const port = ep.port;
    await ep.close();
    const r = await probe(
      { address: '127.0.0.1', port, sni: 'www.demo.test' },
      { trust: [ca.certPem], timeoutMs: 1_000 },
    );
    expect(r.ok).toBe(false);
  });
});
