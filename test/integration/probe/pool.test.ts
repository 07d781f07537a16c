import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../../src/probe/probe.js';
import { scanInventory } from '../../../src/probe/scan.js';
import {
  type Haproxy,
  type Nginx,
  freePort,
  startPool,
  startNginx,
  tlsServer,
  binding,
  host,
  inventoryOf,
  P256,
  daysFromNow,
  usePki,
} from '../../lab/index.js';

const VIP = '127.0.11.1';
const M1 = '127.0.11.2';
const M2 = '127.0.11.3';

describe('a pool behind haproxy where one member serves an expired certificate', () => {
  const certs = usePki((pki) => {
    const root = pki.root();
    const good = pki.leaf('shop.test', root, { key: P256 });
    const expired = pki.leaf('shop.test', root, {
      key: P256,
      notBefore: daysFromNow(-400),
      notAfter: daysFromNow(-2),
    });
    return { root, good, expired };
  });
  let n1: Nginx;
  let n2: Nginx;
  let lb: Haproxy;
  let port: number;

  beforeAll(async () => {
    port = await freePort(VIP);
    [n1, n2] = await Promise.all([
      startNginx({ sessionCache: false, servers: [tlsServer(M1, port, certs.good)] }),
      startNginx({ sessionCache: false, servers: [tlsServer(M2, port, certs.expired)] }),
    ]);
    lb = await startPool(VIP, port, [
      { name: 'web-1', address: M1 },
      { name: 'web-2', address: M2 },
    ]);
  });

  afterAll(async () => {
    await Promise.all([lb?.stop(), n1?.stop(), n2?.stop()]);
  });

  const inventory = () =>
    inventoryOf('prod', [
      host('lb-01', VIP, [
        binding('lb-01', port, {
          address: VIP,
          port,
          sni: ['shop.test'],
          pool: {
            members: [
              { name: 'web-1', address: M1, port },
              { name: 'web-2', address: M2, port },
            ],
            vip: { address: VIP, port },
            vipSamples: 8,
          },
        }),
      ]),
    ]);

  it('is CRITICAL, names the expired member, and sees a mixed VIP', async () => {
    const report = await scanInventory(inventory(), {
      probe,
      warnDays: 30,
      critDays: 7,
      trust: [certs.root.certPem],
      concurrency: 4,
    });
    expect(report.overall).toBe('CRITICAL');
    expect(report.probes).toBe(10);
    const [m1, m2, vip] = report.endpoints;
    expect(m1?.endpoint.member).toBe('web-1');
    expect(m1?.status).toBe('OK');
    expect(m2?.endpoint.member).toBe('web-2');
    expect(m2?.status).toBe('CRITICAL');
    expect(m2?.reasons.join('\n')).toMatch(/certificate expired 2 day\(s\) ago/);
    expect(m2?.reasons.join('\n')).toMatch(/untrusted chain: CERT_HAS_EXPIRED/);
    expect(vip?.endpoint.role).toBe('vip');
    expect(vip?.status).toBe('CRITICAL');
    expect(vip?.results).toHaveLength(8);
    const pool = report.pools[0]!.verdict;
    // No --expect: two members, one each, is a tie, broken by the leaf that lasts longest.
    expect(pool.state).toBe('mixed');
    expect(pool.referenceFrom).toBe('newest');
    expect(pool.oddMembers.map((m) => m.label)).toEqual(['web-2']);
    expect(pool.vipCounts[certs.good.sha256]).toBe(4);
    expect(pool.vipCounts[certs.expired.sha256]).toBe(4);
    expect(pool.servedBy[certs.expired.sha256]).toEqual(['web-2']);
  });

  it('with the expected fingerprint, names exactly the odd member and the odd VIP samples', async () => {
    const report = await scanInventory(inventory(), {
      probe,
      warnDays: 30,
      critDays: 7,
      trust: [certs.root.certPem],
      expect: certs.good.sha256,
    });
    const pool = report.pools[0]!.verdict;
    expect(pool.referenceFrom).toBe('expected');
    expect(pool.oddMembers.map((m) => m.label)).toEqual(['web-2']);
    expect(pool.oddSamples).toHaveLength(4);
    expect(pool.summary).toContain('odd member(s): web-2');
    expect(report.endpoints.find((e) => e.endpoint.member === 'web-1')?.status).toBe('OK');
    expect(report.endpoints.find((e) => e.endpoint.member === 'web-2')?.reasons).toContain(
      `odd member of a mixed pool: pool serves ${certs.good.sha256.slice(0, 16)} (expected)`,
    );
  });

  it('makes a fresh connection per VIP sample, so round robin reaches both members', async () => {
    const report = await scanInventory(inventory(), {
      probe,
      warnDays: 30,
      critDays: 7,
      concurrency: 1,
    });
    const vip = report.endpoints.find((e) => e.endpoint.role === 'vip')!;
    const seen = vip.results.map((r) => (r.ok ? r.leaf.sha256 : 'fail'));
    expect(new Set(seen)).toEqual(new Set([certs.good.sha256, certs.expired.sha256]));
    expect(vip.results.every((r) => r.ok && !r.sessionReused)).toBe(true);
  });
});
