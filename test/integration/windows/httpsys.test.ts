// The http.sys simulation serves what its sslcert table binds, judged by certroll's own probe:
// http.sys precedence (hostname by SNI, specific IP, wildcard per address family, central
// certificate store), a handshake with nothing bound fails, a netsh change is served by the very
// next handshake, listeners follow listeners.json, and a plain HTTP request gets the service's 200.
import { request } from 'node:https';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../../src/probe/probe.js';
import { freePort, usePki, type Issued } from '../../lab/index.js';
import { SimRoot, startHttpSys, type RunningHttpSys } from '../../lab/windows/httpsys.js';

const V4 = '127.0.31.1';
const V4_OTHER = '127.0.31.2';
const APPID = '{00112233-4455-6677-8899-aabbccddeeff}';

describe('http.sys simulation: the certificate of every handshake comes from the sslcert table', () => {
  const certs = usePki((pki) => {
    const root = pki.root();
    return {
      root,
      wildcard: pki.leaf('bc01.lab.test', root),
      specific: pki.leaf('bc01-nic2.lab.test', root),
      named: pki.leaf('bc.contoso.test', root),
      v6: pki.leaf('bc01-v6.lab.test', root),
      ccs: pki.leaf('ccs.contoso.test', root),
      next: pki.leaf('bc01.lab.test', root),
    };
  });
  let sim: SimRoot;
  let server: RunningHttpSys;
  let port: number;
  let unbound: number;
  /** A port registered later (by the listeners test), owned by an IIS site. */
  let extra: number;

  const netsh = async (...args: string[]): Promise<void> => {
    const r = await sim.netsh(['http', ...args]);
    expect(r, r.output).toMatchObject({ code: 0 });
  };
  const served = async (address: string, sni: string | null, at = port): Promise<string> => {
    const r = await probe(
      { address, port: at, sni },
      { trust: [certs.root.certPem], timeoutMs: 3000 },
    );
    return r.ok ? r.leaf.thumbprint : `failed: ${r.failure.kind}`;
  };
  const add = (cert: Issued, store = 'My'): void =>
    sim.addCert(cert.thumbprint, cert.certPem, cert.keyPem, store);

  beforeAll(async () => {
    port = await freePort(V4);
    unbound = await freePort(V4);
    sim = SimRoot.create({ build: '2019', addresses: [V4, V4_OTHER] });
    for (const c of [certs.wildcard, certs.specific, certs.v6, certs.next]) add(c);
    add(certs.named, 'WebHosting');
    const ccsDir = join(sim.dir, 'ccs');
    mkdirSync(ccsDir, { recursive: true });
    writeFileSync(join(ccsDir, 'ccs.contoso.test.cer'), certs.ccs.certPem);
    writeFileSync(join(ccsDir, 'ccs.contoso.test.key'), certs.ccs.keyPem);
    const bind = (endpoint: string, cert: Issued, store = 'My'): Promise<void> =>
      netsh(
        'add',
        'sslcert',
        endpoint,
        `certhash=${cert.thumbprint}`,
        `appid=${APPID}`,
        `certstorename=${store}`,
      );
    await bind(`ipport=0.0.0.0:${port}`, certs.wildcard);
    await bind(`ipport=${V4_OTHER}:${port}`, certs.specific);
    await bind(`hostnameport=bc.contoso.test:${port}`, certs.named, 'WebHosting');
    await bind(`ipport=[::]:${port}`, certs.v6);
    await netsh('add', 'sslcert', `ccs=${port}`, `appid=${APPID}`);
    sim.setListeners([
      { owner: 'BC:BC240', address: '0.0.0.0', port },
      { owner: 'BC:BC240', address: '::', port },
      { owner: 'BC:BC250', address: '0.0.0.0', port: unbound },
    ]);
    server = await startHttpSys(sim, { pollMs: 50 });
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
    sim?.cleanup();
  });

  it('picks by precedence: hostname by SNI, then the specific IP, then the wildcard, then CCS', async () => {
    expect(await served(V4, null)).toBe(certs.wildcard.thumbprint);
    expect(await served(V4_OTHER, null)).toBe(certs.specific.thumbprint);
    expect(await served(V4_OTHER, 'bc.contoso.test')).toBe(certs.named.thumbprint);
    expect(await served(V4, 'bc.contoso.test')).toBe(certs.named.thumbprint);
    // A name with no hostnameport binding falls through to the address bindings, not to CCS.
    expect(await served(V4_OTHER, 'ccs.contoso.test')).toBe(certs.specific.thumbprint);
    expect(await served('::1', null)).toBe(certs.v6.thumbprint);
  });

  it('serves the central certificate store by name when no address binding applies', async () => {
    await netsh('delete', 'sslcert', `ipport=0.0.0.0:${port}`);
    try {
      expect(await served(V4, 'ccs.contoso.test')).toBe(certs.ccs.thumbprint);
      // No SNI and no address binding: nothing can be chosen.
      expect(await served(V4, null)).toMatch(/^failed/);
    } finally {
      await netsh(
        'add',
        'sslcert',
        `ipport=0.0.0.0:${port}`,
        `certhash=${certs.wildcard.thumbprint}`,
        `appid=${APPID}`,
      );
    }
  });

  it('fails the handshake on a port with nothing bound', async () => {
    expect(await served(V4, null, unbound)).toMatch(/^failed/);
    expect(await served(V4, 'bc.contoso.test', unbound)).toMatch(/^failed/);
  });

  it('serves a netsh change with the very next handshake', async () => {
    await netsh(
      'update',
      'sslcert',
      `ipport=0.0.0.0:${port}`,
      `certhash=${certs.next.thumbprint}`,
      `appid=${APPID}`,
      'certstorename=My',
    );
    expect(await served(V4, null)).toBe(certs.next.thumbprint);
    await netsh('delete', 'sslcert', `ipport=${V4_OTHER}:${port}`);
    expect(await served(V4_OTHER, null)).toBe(certs.next.thumbprint);
    // A bound certificate that leaves the store fails the handshake, as http.sys does.
    rmSync(join(sim.dir, 'store', 'LocalMachine', 'My', `${certs.next.thumbprint}.key`));
    expect(await served(V4, null)).toMatch(/^failed/);
  });

  it('follows listeners.json: a registered port is served, an unregistered one closed', async () => {
    extra = await freePort(V4);
    await netsh(
      'add',
      'sslcert',
      `ipport=0.0.0.0:${extra}`,
      `certhash=${certs.wildcard.thumbprint}`,
      `appid=${APPID}`,
    );
    sim.setListeners([{ owner: 'IIS:Default Web Site', address: V4, port: extra }]);
    await expect
      .poll(() => served(V4, null, extra), { timeout: 5000, interval: 50 })
      .toBe(certs.wildcard.thumbprint);
    await expect
      .poll(() => served(V4, 'bc.contoso.test', port), { timeout: 5000, interval: 50 })
      .toMatch(/^failed/);
  });

  it('answers a plain HTTP request on the TLS connection with the service that owns the port', async () => {
    const p = extra;
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: V4,
          port: p,
          path: '/BC240/WS/Services',
          rejectUnauthorized: false,
          servername: '',
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve(`${res.statusCode} ${text}`));
        },
      );
      req.on('error', reject);
      req.setTimeout(3000, () => req.destroy(new Error('timeout')));
      req.end();
    });
    expect(body).toMatch(/^200 /);
    expect(JSON.parse(body.slice(4))).toMatchObject({
      service: 'IIS:Default Web Site',
      endpoint: `ipport=0.0.0.0:${p}`,
      thumbprint: certs.wildcard.thumbprint,
      path: '/BC240/WS/Services',
    });
  });
});
