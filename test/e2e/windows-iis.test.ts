// IIS through the built CLI against a simulated Windows server (real PowerShell 7.6 over real
// OpenSSH; IIS, netsh, http.sys and the certificate store simulated; every site judged by
// certroll's own probe on the wire). One port P on the host's address: `www` and `intranet` share
// the non-SNI entry 0.0.0.0:P (one http.sys binding, two host headers), `shop` has its SNI entry
// shop.contoso.com:P; `files` uses the Central Certificate Store on another port.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { probe } from '../../src/probe/probe.js';
import { runCliAsync } from '../helpers/cli.js';
import { TestPki, type Issued } from '../lab/pki.js';
import { freePort, sleep } from '../lab/procs.js';
import { setListeners } from '../lab/windows/bc.js';
import {
  powershellSshYaml,
  startWindowsHost,
  type WindowsHost,
  hostNetsh,
} from '../lab/windows/host.js';
import { SimRoot } from '../lab/windows/pwsh-local.js';
import { writeStoreCert } from '../lab/windows/store.js';

const IIS_APPID = '{4dc3e181-e14b-4a21-b022-59fc669b0914}';
const NAMES = ['www.contoso.com', 'intranet.contoso.com', 'shop.contoso.com', 'files.contoso.com'];

let pki: TestPki;
let oldLeaf: Issued;
let newLeaf: Issued;
let third: Issued;
let bundle: (leaf: Issued) => string;
let rootPath: string;
let win: WindowsHost;
let sim: SimRoot;
let dir: string;
let port: number;
let ccsPort: number;

const netsh = (...args: string[]): string => hostNetsh(win, ...args);

interface SslEntry {
  endpoint: string;
  certhash: string | null;
  appid: string;
  certstorename: string | null;
}
const table = (): SslEntry[] =>
  (JSON.parse(readFileSync(sim.path('httpsys/sslcert.json'), 'utf8')) as { bindings: SslEntry[] })
    .bindings;

// `within`: how long each name is given to serve the new certificate (a run expected to fail
// verification need not wait the 30 s default).
type Site = { site: string; hostHeader: string; port?: number; within?: string };
function inventory(file: string, sites: readonly Site[]): string {
  const doc = {
    version: 1,
    defaults: {
      transport: powershellSshYaml(win),
      policy: { batchSize: 1, concurrency: 1, failureBudget: 0, onFailure: 'halt' },
    },
    environments: [
      {
        name: 'production',
        hosts: [
          {
            name: 'web01',
            address: win.address,
            bindings: sites.map((s) => ({
              port: s.port ?? port,
              kind: 'iis',
              params: { site: s.site, hostHeader: s.hostHeader },
              probe: { sni: [s.hostHeader], ...(s.within !== undefined && { within: s.within }) },
            })),
          },
        ],
      },
    ],
  };
  const path = join(dir, file);
  writeFileSync(path, stringify(doc));
  return path;
}

async function served(name: string | null, p = port): Promise<string | undefined> {
  const r = await probe({ address: win.address, port: p, sni: name }, { timeoutMs: 5000 });
  return r.ok ? r.leaf.sha256 : undefined;
}

const cli = (args: string[]) => runCliAsync(args, { timeoutMs: 540_000 });
const common = (inv: string, leaf: Issued) => [
  '-i',
  inv,
  '--cert',
  bundle(leaf),
  '--trust',
  rootPath,
];
const state = () => ['--state-dir', join(dir, 'state')];

beforeAll(async () => {
  pki = TestPki.create();
  const root = pki.root();
  rootPath = root.certPath;
  // Issued by the root itself: the http.sys simulation serves the leaf alone, not a chain.
  const leaf = (days: number) => pki.issue({ cn: NAMES[0]!, sans: NAMES, days }, root);
  [oldLeaf, newLeaf, third] = [leaf(20), leaf(200), leaf(300)];
  bundle = (l) => pki.write(`${l.thumbprint}.pem`, l.certPem + l.keyPem);
  win = await startWindowsHost({ computerName: 'WEB01', build: '2019' });
  dir = join(win.simRoot, '..');
  sim = new SimRoot(win.simRoot);
  port = await freePort(win.address);
  ccsPort = await freePort(win.address);
  writeStoreCert(sim, oldLeaf);
  const https = (host: string, sslFlags: number, p = port) => ({
    protocol: 'https',
    bindingInformation: `*:${p}:${host}`,
    sslFlags,
  });
  sim.writeJson('iis/applicationHost.json', {
    sites: [
      { name: 'www', id: 1, state: 'Started', bindings: [https('www.contoso.com', 0)] },
      { name: 'intranet', id: 2, state: 'Started', bindings: [https('intranet.contoso.com', 0)] },
      { name: 'shop', id: 3, state: 'Started', bindings: [https('shop.contoso.com', 1)] },
      {
        name: 'files',
        id: 4,
        state: 'Started',
        bindings: [https('files.contoso.com', 3, ccsPort)],
      },
    ],
  });
  const old = oldLeaf.thumbprint;
  netsh(
    'add',
    'sslcert',
    `ipport=0.0.0.0:${port}`,
    `certhash=${old}`,
    `appid=${IIS_APPID}`,
    'certstorename=My',
    'clientcertnegotiation=enable',
  );
  netsh(
    'add',
    'sslcert',
    `hostnameport=shop.contoso.com:${port}`,
    `certhash=${old}`,
    `appid=${IIS_APPID}`,
    'certstorename=My',
  );
  netsh('add', 'sslcert', `ccs=${ccsPort}`, `appid=${IIS_APPID}`);
  for (const site of ['www', 'intranet', 'shop']) setListeners(sim, `IIS:${site}`, [port]);
  // The http.sys simulation opens the listeners when it sees listeners.json change.
  for (let i = 0; i < 100 && (await served(null)) === undefined; i++) await sleep(100);
  for (const name of [null, ...NAMES.slice(0, 3)]) expect(await served(name)).toBe(oldLeaf.sha256);
}, 120_000);

afterAll(async () => {
  await win?.stop();
  pki?.cleanup();
});

const inStore = (c: Issued) => existsSync(sim.path(`store/LocalMachine/My/${c.thumbprint}.cer`));

describe('IIS through the CLI on a simulated Windows server', () => {
  it('a Central Certificate Store binding is refused at capture, naming it; nothing is touched', async () => {
    const before = readFileSync(sim.path('httpsys/sslcert.json'), 'utf8');
    const inv = inventory('ccs.yaml', [
      { site: 'files', hostHeader: 'files.contoso.com', port: ccsPort },
    ]);
    const r = await cli(['plan', ...common(inv, newLeaf), '-o', join(dir, 'plan-ccs.json')]);
    expect(r.code, r.stdout + r.stderr).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/Central Certificate Store/);
    expect(r.stdout + r.stderr).toContain(`*:${ccsPort}:files.contoso.com`);
    expect(readFileSync(sim.path('httpsys/sslcert.json'), 'utf8')).toBe(before);
  }, 600_000);

  it('the SNI site and the shared non-SNI entry are rebound (update, appid and flags kept) and every site name proven', async () => {
    // `intranet` is not listed: it shares www's entry, which is rebound once.
    const inv = inventory('sites.yaml', [
      { site: 'www', hostHeader: 'www.contoso.com' },
      { site: 'shop', hostHeader: 'shop.contoso.com' },
    ]);
    const r = await cli(['rollout', ...common(inv, newLeaf), ...state(), '--yes']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const name of [null, ...NAMES.slice(0, 3)])
      expect(await served(name)).toBe(newLeaf.sha256);
    const entries = table();
    const at = (e: string) => entries.find((b) => b.endpoint.toLowerCase() === e);
    for (const e of [`0.0.0.0:${port}`, `shop.contoso.com:${port}`]) {
      expect(at(e)?.certhash?.toUpperCase()).toBe(newLeaf.thumbprint);
      expect(at(e)?.appid.toLowerCase()).toBe(IIS_APPID);
    }
    expect(JSON.stringify(at(`0.0.0.0:${port}`))).toMatch(/"clientcertnegotiation":"enable"/);
    // The previous certificate stays (oldCertificate: keep, the default): rollback RUN needs it.
    expect(inStore(oldLeaf)).toBe(true);
  }, 600_000);

  it('a name of a site on the shared entry that a stale hostname binding still answers fails verification and rolls back to the proven old certificate', async () => {
    // `intranet` shares the ipport with `www`, but a leftover SNI binding answers its name
    // on the current certificate: its clients would never see the renewal.
    netsh(
      'add',
      'sslcert',
      `hostnameport=intranet.contoso.com:${port}`,
      `certhash=${newLeaf.thumbprint}`,
      `appid=${IIS_APPID}`,
      'certstorename=My',
    );
    const inv = inventory('stale.yaml', [
      { site: 'www', hostHeader: 'www.contoso.com', within: '10s' },
    ]);
    const r = await cli(['rollout', ...common(inv, third), ...state(), '--yes']);
    expect(r.code, r.stdout + r.stderr).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/intranet\.contoso\.com/);
    expect(r.stdout + r.stderr).toMatch(/rolled back/i);
    for (const name of [null, 'www.contoso.com', 'intranet.contoso.com', 'shop.contoso.com'])
      expect(await served(name)).toBe(newLeaf.sha256);
    // The certificate this run imported is bound nowhere after the rollback: it left the store.
    expect(inStore(third)).toBe(false);
    expect(inStore(newLeaf)).toBe(true);
    netsh('delete', 'sslcert', `hostnameport=intranet.contoso.com:${port}`);
  }, 600_000);
});
