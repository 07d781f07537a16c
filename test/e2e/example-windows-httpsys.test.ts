// The shipped example inventories/windows-httpsys.yaml, planned through the built CLI against
// two simulated Windows servers (app-01 on Server 2019, app-02 on Server 2012 R2): its
// environment, policy and bindings stay as written; only what points at real machines
// (addresses, SSH port, user and key, ports) is rewritten to the lab.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCliAsync } from '../helpers/cli.js';
import { TestPki, type Issued } from '../lab/pki.js';
import { freePort, sleep } from '../lab/procs.js';
import { probe } from '../../src/probe/probe.js';
import { setListeners } from '../lab/windows/bc.js';
import { SIM_BIN, startWindowsHost, type WindowsHost } from '../lab/windows/host.js';
import { SimRoot } from '../lab/windows/pwsh-local.js';
import { writeStoreCert } from '../lab/windows/store.js';

const EXAMPLE = fileURLToPath(new URL('../../inventories/windows-httpsys.yaml', import.meta.url));
const NAMES = ['app.example.com', 'api.example.com', 'portal.example.com'];
const APPID = '{4dc3e181-e14b-4a21-b022-59fc669b0914}';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => v as Json;
const list = (v: unknown): Json[] => v as Json[];

let pki: TestPki;
let oldLeaf: Issued;
let newLeaf: Issued;
let bundlePath: string;
let rootPath: string;
let hosts: WindowsHost[] = [];
let inventoryPath: string;
let dir: string;

function netsh(win: WindowsHost, ...args: string[]): void {
  execFileSync(join(SIM_BIN, 'netsh.exe'), ['http', ...args], {
    env: { ...process.env, CERTROLL_WINSIM: win.simRoot },
    encoding: 'utf8',
  });
}

beforeAll(async () => {
  pki = TestPki.create();
  const root = pki.root();
  rootPath = root.certPath;
  // Issued by the root itself: the http.sys simulation serves the leaf alone, not a chain.
  oldLeaf = pki.issue({ cn: NAMES[0]!, sans: NAMES, days: 20 }, root);
  newLeaf = pki.issue({ cn: NAMES[0]!, sans: NAMES, days: 200 }, root);
  bundlePath = pki.write('bundle.pem', newLeaf.certPem + newLeaf.keyPem);
  const first = await startWindowsHost({ computerName: 'APP-01', build: '2019' });
  hosts = [
    first,
    await startWindowsHost({ lab: first.lab, computerName: 'APP-02', build: '2012r2' }),
  ];
  dir = first.lab.dir;
  const inv = obj(parse(readFileSync(EXAMPLE, 'utf8')));
  const t = first.powershellSsh.transport;
  inv.defaults = {
    ...obj(inv.defaults),
    transport: {
      ...obj(obj(inv.defaults).transport),
      user: 'root',
      identityFile: t.identityFile,
      knownHosts: t.knownHosts[0],
    },
  };
  const listed = list(inv.environments).flatMap((e) => list(e.hosts));
  expect(listed.map((h) => h.name)).toEqual(['app-01', 'app-02']);
  for (const [i, h] of listed.entries()) {
    const win = hosts[i]!;
    const sim = new SimRoot(win.simRoot);
    writeStoreCert(sim, oldLeaf);
    h.address = win.address;
    h.transport = { port: win.powershellSsh.transport.port };
    // Each port of the example on a free port of the lab host, the same for the same port.
    const ports = new Map<number, number>();
    for (const b of list(h.bindings)) {
      const was = b.port as number;
      if (!ports.has(was)) ports.set(was, await freePort(win.address));
      const port = ports.get(was)!;
      b.port = port;
      const params = obj(b.params);
      for (const key of ['ipport', 'hostnameport'] as const) {
        const v = params[key];
        if (typeof v !== 'string') continue;
        const endpoint = v.replace(/:\d+$/, `:${port}`);
        params[key] = endpoint;
        netsh(
          win,
          'add',
          'sslcert',
          `${key}=${endpoint}`,
          `certhash=${oldLeaf.thumbprint}`,
          `appid=${APPID}`,
          'certstorename=My',
        );
      }
    }
    setListeners(sim, 'app', [...ports.values()]);
  }
  inventoryPath = join(dir, 'windows-httpsys.yaml');
  writeFileSync(inventoryPath, stringify(inv));
  for (let i = 0; i < 100 && !(await served(hosts[1]!, listed[1]!)); i++) await sleep(100);
}, 180_000);

async function served(win: WindowsHost, h: Json): Promise<string | undefined> {
  const b = list(h.bindings)[0]!;
  const r = await probe(
    { address: win.address, port: b.port as number, sni: NAMES[0]! },
    { timeoutMs: 5000 },
  );
  return r.ok ? r.leaf.sha256 : undefined;
}

afterAll(async () => {
  for (const h of hosts.reverse()) await h.stop();
  pki?.cleanup();
});

describe('inventories/windows-httpsys.yaml against simulated Windows servers', () => {
  it('plans every binding of both hosts, as written', async () => {
    const planPath = join(dir, 'plan.json');
    const r = await runCliAsync(
      ['plan', '-i', inventoryPath, '--cert', bundlePath, '--trust', rootPath, '-o', planPath],
      { timeoutMs: 540_000 },
    );
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const plan = JSON.parse(readFileSync(planPath, 'utf8')) as {
      environments: { hosts: { name: string; bindings: { kind: string; action: string }[] }[] }[];
    };
    const kinds = plan.environments.flatMap((e) =>
      e.hosts.map((h) => `${h.name}:${h.bindings.map((b) => `${b.kind} ${b.action}`).join(',')}`),
    );
    expect(kinds).toEqual([
      'app-01:netsh-http replace,netsh-http replace,netsh-http replace,netsh-http replace',
      'app-02:netsh-http replace',
    ]);
  }, 600_000);
});
