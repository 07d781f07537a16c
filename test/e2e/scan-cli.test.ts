import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import {
  type Issued,
  type Haproxy,
  type Nginx,
  freePort,
  startPool,
  startNginx,
  tlsServer,
  P256,
  daysFromNow,
  usePki,
} from '../lab/index.js';

// `certroll scan` through the built CLI (npm run build first; `npm test` does it).
const WEB_A = '127.0.14.1';
const M1 = '127.0.14.2';
const M2 = '127.0.14.3';
const LB = '127.0.14.4';
const WEB_B = '127.0.14.5';

describe('certroll scan', () => {
  const certs = usePki((pki) => {
    const root = pki.root();
    const good = pki.issue({ cn: 'app.test', sans: ['app.test', 'shop.test'], key: P256 }, root);
    const soon = pki.leaf('soon.test', root, { key: P256, days: 20 });
    const expired = pki.leaf('shop.test', root, {
      key: P256,
      notBefore: daysFromNow(-90),
      notAfter: daysFromNow(-1),
    });
    return { root, good, soon, expired };
  });
  let nginx: Nginx;
  let lb: Haproxy;
  let inv: string;
  let port: number;

  beforeAll(async () => {
    port = await freePort(WEB_A);
    const tls = (address: string, c: Issued) => tlsServer(address, port, c);
    nginx = await startNginx({
      sessionCache: false,
      servers: [
        tls(WEB_A, certs.good),
        tls(WEB_B, certs.soon),
        tls(M1, certs.good),
        tls(M2, certs.expired),
      ],
    });
    lb = await startPool(LB, port, [
      { name: 'web-1', address: M1 },
      { name: 'web-2', address: M2 },
    ]);
    inv = certs.pki.write(
      'inventory.yaml',
      `version: 1
environments:
  - name: prod
    hosts:
      - name: web-a
        address: ${WEB_A}
        transport: { kind: local }
        bindings:
          - { port: ${port}, kind: nginx, probe: { sni: app.test } }
      - name: web-b
        address: ${WEB_B}
        transport: { kind: local }
        bindings:
          - { port: ${port}, kind: nginx, probe: { sni: soon.test } }
      - name: lb-01
        address: ${LB}
        transport: { kind: local }
        bindings:
          - port: ${port}
            kind: haproxy
            probe:
              sni: shop.test
              pool:
                members:
                  - { name: web-1, address: ${M1}, port: ${port} }
                  - { name: web-2, address: ${M2}, port: ${port} }
                vip: { address: ${LB}, port: ${port} }
                vipSamples: 6
`,
    );
  });

  afterAll(async () => {
    await Promise.all([lb?.stop(), nginx?.stop()]);
  });

  const scan = (...args: string[]) =>
    runCli(['scan', '-i', inv, '--trust', certs.root.certPath, '--timeout', '2000', ...args]);

  it('exits 0 OK when the endpoint serves the expected, valid certificate', () => {
    const r = scan('--host', 'web-a', '--expect', certs.good.sha256.toUpperCase());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^OK\s+prod\s+web-a\s+127\.0\.14\.1:\d+\s+app\.test/m);
    expect(r.stdout).toContain(certs.good.sha256.slice(0, 16));
  });

  it('takes the expected fingerprint from a PEM bundle', () => {
    const r = scan('--host', 'web-a', '--bundle', certs.good.certPath, '--key', certs.good.keyPath);
    expect(r.code).toBe(0);
  });

  it('exits 1 WARNING when the certificate expires within --warn-days', () => {
    const r = scan('--host', 'web-b');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/certificate expires in 19 day\(s\)/);
    expect(scan('--host', 'web-b', '--warn-days', '10').code).toBe(0);
    expect(scan('--host', 'web-b', '--crit-days', '25', '--warn-days', '30').code).toBe(2);
  });

  it('exits 2 CRITICAL when an endpoint still serves --old', () => {
    const r = scan('--host', 'web-a', '--old', certs.good.sha256);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('still serves the old certificate');
  });

  it('exits 2 CRITICAL for the pool, naming the expired member and the mixed VIP, and writes the textfile', () => {
    const prom = join(certs.pki.dir, 'certroll.prom');
    const r = scan('--prom-file', prom);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^CRITICAL\s+prod\s+lb-01\s+127\.0\.14\.3:\d+\s+shop\.test\s+web-2/m);
    expect(r.stdout).toMatch(/^OK\s+prod\s+lb-01\s+127\.0\.14\.2:\d+\s+shop\.test\s+web-1/m);
    expect(r.stdout).toMatch(/mixed pool: .*odd member\(s\): web-2/);
    expect(r.stderr).toBe('');
    const text = readFileSync(prom, 'utf8');
    expect(text).toContain(
      `probe_ssl_last_chain_info{env="prod",host="lb-01",binding="lb-01:${port}",address="${M2}",port="${port}",sni="shop.test",member="web-2",fingerprint_sha256="${certs.expired.sha256}"`,
    );
    expect(text).toMatch(/^certroll_pool_consistent\{.*\} 0$/m);
    expect(text).toMatch(/^certroll_scan_status 2$/m);
  });

  it('prints Prometheus text on stdout, and progress on stderr when asked', () => {
    const r = scan('--host', 'web-a', '--format', 'prometheus', '--progress');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# HELP probe_success /);
    expect(r.stdout).toContain(`probe_ssl_earliest_cert_expiry{env="prod",host="web-a"`);
    expect(r.stderr).toContain('scan: 1/1 handshakes\n');
  });

  it('prints JSON with every endpoint, its status and reasons', () => {
    const r = scan('--format', 'json');
    const doc = JSON.parse(r.stdout) as {
      status: string;
      exitCode: number;
      endpoints: { member: string | null; status: string }[];
    };
    expect(doc.status).toBe('CRITICAL');
    expect(doc.exitCode).toBe(2);
    expect(doc.endpoints.map((e) => [e.member, e.status])).toEqual([
      [null, 'OK'],
      [null, 'WARNING'],
      ['web-1', 'OK'],
      ['web-2', 'CRITICAL'],
      ['vip', 'CRITICAL'],
    ]);
  });

  it('exits 3 UNKNOWN with a clear error when the scan cannot run, 64 for a bad command line, and says so in the textfile', () => {
    const prom = join(certs.pki.dir, 'unknown.prom');
    const bad = scan('--expect', 'not-a-fingerprint', '--prom-file', prom);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain(
      '[USAGE]: --expect not-a-fingerprint is not a SHA-256 fingerprint',
    );
    expect(readFileSync(prom, 'utf8')).toMatch(/^certroll_scan_status 3$/m);
    const missing = runCli(['scan', '-i', join(certs.pki.dir, 'nope.yaml')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/nope\.yaml/);
    expect(scan('--host', 'nobody').code).toBe(64);
    const json = scan('--host', 'nobody', '--format', 'json');
    expect(json.code).toBe(64);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      status: 'UNKNOWN',
      exitCode: 64,
      error: { code: 'USAGE', message: expect.stringContaining('--host nobody: no host') },
    });
    expect(scan('--no-such-flag').code).toBe(64);
  });
});
