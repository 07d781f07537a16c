// The shipped example inventories/business-central.yaml, planned and applied through the built
// CLI against a simulated Business Central server standing in for its test environment's
// bc-test-01 (service tier BC230: client services on 7046 over net.tcp, SOAP 7147, OData 7148,
// developer 7049, all with SSL; the web client in IIS on 443). Its policy and bindings stay as
// written; only what points at a real machine is rewritten: the address (a lab address, so each
// binding probes with the name the example's address gave it), the SSH port, user and key.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { probe } from '../../src/probe/probe.js';
import { runCliAsync } from '../helpers/cli.js';
import { TestPki, type Issued } from '../lab/pki.js';
import { sleep } from '../lab/procs.js';
import { setListeners, writeBcInstance } from '../lab/windows/bc.js';
import { startWindowsHost, type WindowsHost, hostNetsh } from '../lab/windows/host.js';
import { SimRoot } from '../lab/windows/pwsh-local.js';
import { writeStoreCert } from '../lab/windows/store.js';
import {
  instanceCertificate,
  startNetTcpServer,
  type NetTcpServer,
} from '../lab/windows/sim/nettcp/server.mjs';

const EXAMPLE = fileURLToPath(new URL('../../inventories/business-central.yaml', import.meta.url));
const NAME = 'bc-test-01.corp.example.com';
const APPID = '{7c6ee4c4-1b3c-4c2a-9d2c-1f0e61d2a6b1}';
const IIS_APPID = '{4dc3e181-e14b-4a21-b022-59fc669b0914}';
const HTTP_PORTS = [7147, 7148, 7049, 443];

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => v as Json;
const list = (v: unknown): Json[] => v as Json[];

let pki: TestPki;
let oldLeaf: Issued;
let newLeaf: Issued;
let bundlePath: string;
let rootPath: string;
let win: WindowsHost;
let nettcp: NetTcpServer | undefined;
let inventoryPath: string;
let dir: string;

const netsh = (...args: string[]): string => hostNetsh(win, ...args);

async function served(port: number): Promise<string | undefined> {
  // Client services speak net.tcp: TLS inside .NET Message Framing, as certroll probes them.
  const protocol = port === 7046 ? ('nettcp' as const) : ('tls' as const);
  const r = await probe({ address: win.address, port, sni: NAME, protocol }, { timeoutMs: 5000 });
  return r.ok ? r.leaf.sha256 : undefined;
}

beforeAll(async () => {
  pki = TestPki.create();
  const root = pki.root();
  rootPath = root.certPath;
  // Issued by the root itself: the http.sys simulation serves the leaf alone, not a chain.
  oldLeaf = pki.issue({ cn: NAME, sans: [NAME], days: 20 }, root);
  newLeaf = pki.issue({ cn: NAME, sans: [NAME], days: 200 }, root);
  bundlePath = pki.write('bundle.pem', newLeaf.certPem + newLeaf.keyPem);
  win = await startWindowsHost({ computerName: 'BC-TEST-01', build: '2022' });
  dir = join(win.simRoot, '..');
  const sim = new SimRoot(win.simRoot);
  writeStoreCert(sim, oldLeaf, {
    meta: {
      keyAcl: ['NT AUTHORITY\\SYSTEM', 'BUILTIN\\Administrators', 'NT AUTHORITY\\NETWORK SERVICE'],
    },
  });
  // BC230 as the example describes it: SOAP and OData moved to 7147/7148, every port with SSL.
  writeBcInstance(sim, {
    instance: 'BC230',
    thumbprint: oldLeaf.thumbprint,
    status: 'Running',
    startDelayMs: 300,
    version: '23.0.12034.0',
    ssl: ['SOAP', 'OData', 'Developer'],
  });
  const config = `bc/BC230/CustomSettings.config`;
  sim.writeText(
    config,
    readFileSync(sim.path(config), 'utf8')
      .replace('key="SOAPServicesPort" value="7047"', 'key="SOAPServicesPort" value="7147"')
      .replace('key="ODataServicesPort" value="7048"', 'key="ODataServicesPort" value="7148"'),
  );
  setListeners(sim, 'BC:BC230', [7147, 7148, 7049]);
  for (const port of [7147, 7148, 7049])
    netsh(
      'add',
      'sslcert',
      `ipport=0.0.0.0:${port}`,
      `certhash=${oldLeaf.thumbprint}`,
      `appid=${APPID}`,
      'certstorename=My',
    );
  // The web client: one IIS site with a non-SNI https binding on 443.
  sim.writeJson('iis/applicationHost.json', {
    sites: [
      {
        name: 'Business Central Web Client',
        id: 1,
        state: 'Started',
        bindings: [{ protocol: 'https', bindingInformation: '*:443:', sslFlags: 0 }],
      },
    ],
  });
  netsh(
    'add',
    'sslcert',
    'ipport=0.0.0.0:443',
    `certhash=${oldLeaf.thumbprint}`,
    `appid=${IIS_APPID}`,
    'certstorename=My',
  );
  setListeners(sim, 'IIS:Business Central Web Client', [443]);
  // Client services (net.tcp) serve the instance's configured certificate, read per handshake.
  nettcp = await startNetTcpServer({
    address: win.address,
    port: 7046,
    certificate: instanceCertificate(win.simRoot, 'BC230'),
  });

  const inv = obj(parse(readFileSync(EXAMPLE, 'utf8')));
  const t = win.powershellSsh.transport;
  inv.defaults = {
    ...obj(inv.defaults),
    transport: {
      ...obj(obj(inv.defaults).transport),
      user: 'root',
      identityFile: t.identityFile,
      knownHosts: t.knownHosts[0],
      commandTimeout: '2m',
    },
  };
  const test = list(inv.environments).find((e) => e.name === 'test')!;
  const host = list(test.hosts)[0]!;
  expect(host.address).toBe(NAME);
  host.address = win.address;
  host.transport = { port: t.port };
  // The address was the name clients use; on a lab address it is given as the probe's name.
  host.bindings = list(host.bindings).map((b) => ({
    ...b,
    probe: { ...obj(b.probe), sni: [NAME] },
  }));
  inventoryPath = join(dir, 'business-central.yaml');
  writeFileSync(inventoryPath, stringify(inv));
  for (let i = 0; i < 100 && (await served(443)) === undefined; i++) await sleep(100);
  for (const port of [7046, ...HTTP_PORTS]) expect(await served(port)).toBe(oldLeaf.sha256);
}, 180_000);

afterAll(async () => {
  await nettcp?.close();
  await win?.stop();
  pki?.cleanup();
});

describe('inventories/business-central.yaml against a simulated Business Central server', () => {
  it('plans the test environment as written, then applies it: every port, net.tcp included, proven on the new certificate', async () => {
    const planPath = join(dir, 'plan.json');
    const plan = await runCliAsync(
      [
        'plan',
        '-i',
        inventoryPath,
        '--env',
        'test',
        '--cert',
        bundlePath,
        '--trust',
        rootPath,
        '-o',
        planPath,
      ],
      { timeoutMs: 540_000 },
    );
    expect(plan.code, plan.stdout + plan.stderr).toBe(2);
    const doc = JSON.parse(readFileSync(planPath, 'utf8')) as {
      environments: {
        name: string;
        hosts: { name: string; bindings: { kind: string; action: string }[] }[];
      }[];
    };
    expect(
      doc.environments.flatMap((e) =>
        e.hosts.map(
          (h) => `${e.name}/${h.name}:${h.bindings.map((b) => `${b.kind} ${b.action}`).join(',')}`,
        ),
      ),
    ).toEqual([
      'test/bc-test-01:' +
        [...Array<string>(4).fill('bc-service-tier replace'), 'iis replace'].join(','),
    ]);
    const apply = await runCliAsync(
      ['apply', planPath, '--trust', rootPath, '--state-dir', join(dir, 'state')],
      { timeoutMs: 540_000 },
    );
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    for (const port of [7046, ...HTTP_PORTS]) expect(await served(port)).toBe(newLeaf.sha256);
    const cfg = readFileSync(join(win.simRoot, 'bc', 'BC230', 'CustomSettings.config'), 'utf8');
    expect(cfg).toContain(`key="ServicesCertificateThumbprint" value="${newLeaf.thumbprint}"`);
  }, 600_000);
});
