// bc-service-tier, iis and windows-service run for real over the pwsh-remoting transport
// (PowerShell remoting over SSH: local pwsh, `Invoke-Command -HostName` into the host's
// powershell subsystem), through the built CLI, against one simulated Server 2022 carrying a
// Business Central instance (SOAP and OData with SSL), an IIS site on 443 and a service with its
// own TLS listener on 9443 that loads, at start, the certificate http.sys binds to 0.0.0.0:443
// (as the SSTP service does beside IIS). One inventory: plan, apply (every port proven on the
// wire), rollback RUN (every port on the old certificate again, the service restarted after IIS's
// binding was put back); then (over powershell-ssh, the cheaper transport) a service that cannot
// read the new key fails to restart and the host rolls back, the service restarted on the old
// certificate and proven.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { listRunIds } from '../../src/journal/index.js';
import { probe } from '../../src/probe/probe.js';
import { runCliAsync } from '../helpers/cli.js';
import { TestPki, type Issued } from '../lab/pki.js';
import { sleep } from '../lab/procs.js';
import { setListeners, writeBcInstance, writeService } from '../lab/windows/bc.js';
import {
  powershellSshYaml,
  startWindowsHost,
  type WindowsHost,
  hostNetsh,
} from '../lab/windows/host.js';
import { SimRoot } from '../lab/windows/pwsh-local.js';
import { writeStoreCert } from '../lab/windows/store.js';

const NAME = 'erp.contoso.com';
const BC_APPID = '{7c6ee4c4-1b3c-4c2a-9d2c-1f0e61d2a6b1}';
const IIS_APPID = '{4dc3e181-e14b-4a21-b022-59fc669b0914}';
const SITE = 'Default Web Site';
const GATEWAY = 'ContosoTlsGateway';
const [SOAP, ODATA, HTTPS, GW] = [7047, 7048, 443, 9443];
const PORTS = [SOAP, ODATA, HTTPS, GW];

let pki: TestPki;
let oldLeaf: Issued;
let newLeaf: Issued;
let third: Issued;
let bundle: (leaf: Issued) => string;
let rootPath: string;
let win: WindowsHost;
let sim: SimRoot;
let dir: string;

// Each remoting step starts two pwsh (about a second of CPU each).
const cli = (args: string[]) =>
  runCliAsync(args, { timeoutMs: 540_000, env: { CERTROLL_PWSH: win.pwsh } });

const netsh = (...args: string[]): string => hostNetsh(win, ...args);

function remoting(): Record<string, unknown> {
  const t = win.powershellSsh.transport;
  return {
    kind: 'pwsh-remoting',
    via: 'ssh',
    port: t.port,
    user: 'root',
    identityFile: t.identityFile,
    knownHosts: t.knownHosts[0],
    commandTimeout: '2m',
  };
}

type Kind = 'bc' | 'iis' | 'service';
// Client services (7046, net.tcp) load the instance's certificate too; no net.tcp listener runs
// here, so it is left out on purpose, as are the service tier's ports when it is not rolled.
function excluded(kinds: readonly Kind[]): { port: number; reason: string }[] {
  const ports = kinds.includes('bc') ? [7046] : [7046, SOAP, ODATA];
  return ports.map((port) => ({ port, reason: 'not part of this change' }));
}
function inventory(file: string, kinds: readonly Kind[], transport = remoting()): string {
  const probeOf = { sni: [NAME] };
  const bindings = [
    ...(kinds.includes('bc')
      ? [SOAP, ODATA].map((port) => ({
          port,
          kind: 'bc-service-tier',
          params: { instance: 'BC230' },
          probe: probeOf,
        }))
      : []),
    ...(kinds.includes('iis')
      ? [{ port: HTTPS, kind: 'iis', params: { site: SITE }, probe: probeOf }]
      : []),
    ...(kinds.includes('service')
      ? [
          {
            port: GW,
            kind: 'windows-service',
            params: { service: GATEWAY, timeoutSeconds: 30 },
            probe: probeOf,
          },
        ]
      : []),
  ];
  const doc = {
    version: 1,
    defaults: {
      transport,
      policy: { batchSize: 1, concurrency: 1, failureBudget: 0, onFailure: 'halt' },
    },
    environments: [
      {
        name: 'production',
        hosts: [{ name: 'erp-01', address: win.address, bindings, exclude: excluded(kinds) }],
      },
    ],
  };
  const path = join(dir, file);
  writeFileSync(path, stringify(doc));
  return path;
}

async function served(port: number): Promise<string | undefined> {
  const r = await probe({ address: win.address, port, sni: NAME }, { timeoutMs: 5000 });
  return r.ok ? r.leaf.sha256 : undefined;
}
const servedAll = () => Promise.all(PORTS.map((p) => served(p)));

const state = () => ['--state-dir', join(dir, 'state')];
const lastRun = () => listRunIds(join(dir, 'state')).sort().at(-1)!;
const inStore = (c: Issued) => existsSync(sim.path(`store/LocalMachine/My/${c.thumbprint}.cer`));
const gateway = () =>
  JSON.parse(readFileSync(sim.path(`services/${GATEWAY}.json`), 'utf8')) as {
    status: string;
    startName: string;
    lastError?: string | null;
  };

beforeAll(async () => {
  pki = TestPki.create();
  const root = pki.root();
  rootPath = root.certPath;
  // Issued by the root itself: the simulated listeners serve the leaf alone, not a chain.
  const leaf = (days: number) => pki.issue({ cn: NAME, sans: [NAME], days }, root);
  [oldLeaf, newLeaf, third] = [leaf(20), leaf(200), leaf(300)];
  bundle = (l) => pki.write(`${l.thumbprint}.pem`, l.certPem + l.keyPem);
  win = await startWindowsHost({ computerName: 'ERP-01', build: '2022' });
  dir = join(win.simRoot, '..');
  sim = new SimRoot(win.simRoot);
  // The service tier runs as NETWORK SERVICE, which was granted the old key when it was set up.
  writeStoreCert(sim, oldLeaf, {
    meta: {
      keyAcl: ['NT AUTHORITY\\SYSTEM', 'BUILTIN\\Administrators', 'NT AUTHORITY\\NETWORK SERVICE'],
    },
  });
  writeBcInstance(sim, {
    instance: 'BC230',
    thumbprint: oldLeaf.thumbprint,
    status: 'Running',
    startDelayMs: 300,
  });
  for (const port of [SOAP, ODATA])
    netsh(
      'add',
      'sslcert',
      `ipport=0.0.0.0:${port}`,
      `certhash=${oldLeaf.thumbprint}`,
      `appid=${BC_APPID}`,
      'certstorename=My',
    );
  sim.writeJson('iis/applicationHost.json', {
    sites: [
      {
        name: SITE,
        id: 1,
        state: 'Started',
        bindings: [{ protocol: 'https', bindingInformation: `*:${HTTPS}:`, sslFlags: 0 }],
      },
    ],
  });
  netsh(
    'add',
    'sslcert',
    `ipport=0.0.0.0:${HTTPS}`,
    `certhash=${oldLeaf.thumbprint}`,
    `appid=${IIS_APPID}`,
    'certstorename=My',
  );
  setListeners(sim, `IIS:${SITE}`, [HTTPS]);
  // The gateway runs (as LocalSystem) on the certificate of 0.0.0.0:443 it loaded at its start.
  writeService(sim, {
    name: GATEWAY,
    displayName: 'Contoso TLS Gateway',
    status: 'Running',
    startName: 'LocalSystem',
    startDelayMs: 300,
    kind: 'generic',
    ports: [GW],
    certificateFrom: `0.0.0.0:${HTTPS}`,
  });
  const listeners = sim.readJson<{ listeners: object[] }>('httpsys/listeners.json').listeners;
  sim.writeJson('httpsys/listeners.json', {
    listeners: [
      ...listeners,
      {
        owner: `SVC:${GATEWAY}`,
        address: '0.0.0.0',
        port: GW,
        certhash: oldLeaf.thumbprint,
        certstorename: 'My',
      },
    ],
  });
  for (let i = 0; i < 100 && (await servedAll()).includes(undefined); i++) await sleep(100);
  expect(await servedAll()).toEqual(PORTS.map(() => oldLeaf.sha256));
}, 120_000);

afterAll(async () => {
  await win?.stop();
  pki?.cleanup();
});

describe('bc-service-tier, iis and windows-service over pwsh-remoting (PowerShell remoting over SSH), Server 2022', () => {
  it('rollout (plan, apply): every port proven on the new certificate; rollback RUN: every port on the old one again', async () => {
    const inv = inventory('all.yaml', ['bc', 'iis', 'service']);
    // rollout = plan (preflight, capture, coverage, rendered steps) then apply, in one command:
    // every remoting step starts two pwsh, so the separate commands' second capture is saved.
    const r = await cli([
      'rollout',
      '-i',
      inv,
      '--cert',
      bundle(newLeaf),
      '--trust',
      rootPath,
      ...state(),
      '--yes',
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain('4 binding(s) to change, 0 already current.');
    expect(await servedAll()).toEqual(PORTS.map(() => newLeaf.sha256));
    const cfg = sim.readText('bc/BC230/CustomSettings.config');
    expect(cfg).toContain(`key="ServicesCertificateThumbprint" value="${newLeaf.thumbprint}"`);
    expect(gateway().status).toBe('Running');

    const back = await cli(['rollback', lastRun(), '--yes', '--trust', rootPath, ...state()]);
    expect(back.code, back.stdout + back.stderr).toBe(0);
    // The gateway was restarted after IIS's binding was put back: it loaded the old certificate.
    expect(await servedAll()).toEqual(PORTS.map(() => oldLeaf.sha256));
    expect(sim.readText('bc/BC230/CustomSettings.config')).toContain(
      `key="ServicesCertificateThumbprint" value="${oldLeaf.thumbprint}"`,
    );
    expect(inStore(oldLeaf)).toBe(true);
  }, 600_000);

  it('over powershell-ssh, a service that cannot read the new key fails to restart: the host rolls back, the service restarted on the old certificate and proven', async () => {
    // Now the gateway runs as NETWORK SERVICE (granted the old key, not the one IIS imports).
    const rec = sim.readJson<Record<string, unknown>>(`services/${GATEWAY}.json`);
    sim.writeJson(`services/${GATEWAY}.json`, {
      ...rec,
      startName: 'NT AUTHORITY\\NetworkService',
    });
    // Over powershell-ssh (one pwsh per step, not two): the pairing's failure, not the transport.
    const inv = inventory('fault.yaml', ['iis', 'service'], powershellSshYaml(win));
    const r = await cli([
      'rollout',
      '-i',
      inv,
      '--cert',
      bundle(third),
      '--trust',
      rootPath,
      ...state(),
      '--yes',
    ]);
    const out = r.stdout + r.stderr;
    expect(r.code, out).not.toBe(0);
    expect(out).toContain("Failed to start service 'Contoso TLS Gateway (ContosoTlsGateway)'.");
    expect(out).toMatch(/rolled[ -]back/i);
    expect(out).not.toMatch(/needs[ -]attention/i);
    expect(gateway().status).toBe('Running');
    expect(await served(HTTPS)).toBe(oldLeaf.sha256);
    expect(await served(GW)).toBe(oldLeaf.sha256);
    // The certificate this run imported is bound nowhere after the rollback: it left the store.
    expect(inStore(third)).toBe(false);
  }, 600_000);
});
