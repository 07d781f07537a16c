// The netsh-http playbook run for real over the pwsh-remoting transport (PowerShell remoting over
// SSH: local pwsh, `Invoke-Command -HostName` into the host's powershell subsystem), through the
// built CLI, against one simulated Server 2019 (netsh, http.sys and the certificate store
// simulated; the certificate judged by certroll's own probe on the wire): rollout, rollback RUN
// (the new certificate leaves the store), and a failed `netsh http update` that leaves the live
// binding as it was.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { listRunIds } from '../../src/journal/index.js';
import { probe } from '../../src/probe/probe.js';
import { runCliAsync } from '../helpers/cli.js';
import { renewalPki, type Issued, type RenewalPki } from '../lab/pki.js';
import { freePort, sleep } from '../lab/procs.js';
import { setListeners } from '../lab/windows/bc.js';
import {
  startWindowsHost,
  writeJsonAtomic,
  type WindowsHost,
  hostNetsh,
} from '../lab/windows/host.js';
import { SimRoot } from '../lab/windows/pwsh-local.js';
import { writeStoreCert } from '../lab/windows/store.js';

const NAME = 'app.contoso.com';
const APPID = '{4dc3e181-e14b-4a21-b022-59fc669b0914}';

let pki: RenewalPki;
let win: WindowsHost;
let sim: SimRoot;
let port: number;
let dir: string;

// Each remoting step starts two pwsh (about a second of CPU each).
const cli = (args: string[]) =>
  runCliAsync(args, { timeoutMs: 300_000, env: { CERTROLL_PWSH: win.pwsh } });

const netsh = (...args: string[]): string => hostNetsh(win, ...args);

interface SslCert {
  endpoint: string;
  certhash: string;
  appid: string;
  [flag: string]: unknown;
}
const table = (): SslCert[] =>
  (JSON.parse(readFileSync(sim.path('httpsys/sslcert.json'), 'utf8')) as { bindings: SslCert[] })
    .bindings;
const entry = () => table().find((b) => b.endpoint === `0.0.0.0:${port}`);

function inventory(file: string, probeExtra: Record<string, unknown> = {}): string {
  const t = win.powershellSsh.transport;
  const doc = {
    version: 1,
    defaults: {
      transport: {
        kind: 'pwsh-remoting',
        via: 'ssh',
        port: t.port,
        user: 'root',
        identityFile: t.identityFile,
        knownHosts: t.knownHosts[0],
        commandTimeout: '2m',
      },
      policy: { batchSize: 1, concurrency: 1, failureBudget: 0, onFailure: 'rollback-environment' },
    },
    environments: [
      {
        name: 'production',
        hosts: [
          {
            name: 'app-01',
            address: win.address,
            bindings: [
              {
                port,
                kind: 'netsh-http',
                params: { ipport: `0.0.0.0:${port}` },
                probe: { sni: [NAME], ...probeExtra },
              },
            ],
          },
        ],
      },
    ],
  };
  const path = join(dir, file);
  writeFileSync(path, stringify(doc));
  return path;
}

async function served(): Promise<string | undefined> {
  const r = await probe({ address: win.address, port, sni: NAME }, { timeoutMs: 5000 });
  return r.ok ? r.leaf.sha256 : undefined;
}

const common = (inv: string) => ['-i', inv, '--cert', pki.bundlePath, '--trust', pki.root.certPath];
const state = () => ['--state-dir', join(dir, 'state')];
const lastRun = () => listRunIds(join(dir, 'state')).sort().at(-1)!;
const inStore = (c: Issued) => existsSync(sim.path(`store/LocalMachine/My/${c.thumbprint}.cer`));

beforeAll(async () => {
  pki = renewalPki(NAME);
  win = await startWindowsHost({ computerName: 'APP-01', build: '2019' });
  sim = new SimRoot(win.simRoot);
  dir = join(win.simRoot, '..');
  port = await freePort(win.address);
  writeStoreCert(sim, pki.oldLeaf);
  // The chain lives in LocalMachine\CA, where Schannel finds it to send after the leaf.
  writeStoreCert(sim, pki.intermediate, { store: 'CA', withKey: false });
  // A non-default flag: `update` replaces the whole record, so the rebind must carry it over.
  netsh(
    'add',
    'sslcert',
    `ipport=0.0.0.0:${port}`,
    `certhash=${pki.oldLeaf.thumbprint}`,
    `appid=${APPID}`,
    'certstorename=My',
    'clientcertnegotiation=enable',
  );
  setListeners(sim, 'app', [port]);
  for (let i = 0; i < 100 && (await served()) !== pki.oldLeaf.sha256; i++) await sleep(100);
  expect(await served()).toBe(pki.oldLeaf.sha256);
}, 120_000);

afterAll(async () => {
  await win?.stop();
  pki?.pki.cleanup();
});

describe('netsh-http over pwsh-remoting (PowerShell remoting over SSH), Server 2019', () => {
  it('rollout proves the new certificate, keeping appid and flags; rollback RUN proves the old one and removes the new certificate', async () => {
    const before = entry()!;
    expect(before.clientcertnegotiation).toBe('enable');
    const inv = inventory('rollout.yaml');
    const r = await cli(['rollout', ...common(inv), ...state(), '--yes']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await served()).toBe(pki.newLeaf.sha256);
    const after = entry()!;
    expect(after.certhash.toUpperCase()).toBe(pki.newLeaf.thumbprint.toUpperCase());
    // Everything but the certificate is as it was (appid, flags, store).
    expect({ ...after, certhash: '' }).toEqual({ ...before, certhash: '' });
    expect(inStore(pki.newLeaf)).toBe(true);

    const back = await cli([
      'rollback',
      lastRun(),
      '--yes',
      '--trust',
      pki.root.certPath,
      ...state(),
    ]);
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(await served()).toBe(pki.oldLeaf.sha256);
    expect(entry()).toEqual(before);
    // Imported by the run and bound nowhere now: the new certificate left the store, with its key.
    expect(inStore(pki.newLeaf)).toBe(false);
    expect(existsSync(sim.path(`store/LocalMachine/My/${pki.newLeaf.thumbprint}.key`))).toBe(false);
    expect(inStore(pki.oldLeaf)).toBe(true);
  }, 600_000);

  it('a failed `netsh http update` never deletes the live binding: unchanged, still serving the old certificate, the run fails rolled back', async () => {
    const before = entry()!;
    const hostJson = sim.path('host.json');
    const was = readFileSync(hostJson, 'utf8');
    // http.sys refuses the new certificate (1312, as when it cannot use the key).
    writeJsonAtomic(hostJson, { ...(JSON.parse(was) as object), netshFail: { update: 1312 } });
    try {
      const inv = inventory('fail.yaml', { within: '10s' });
      // Watched throughout the run: a delete that a later rollback puts back is still an outage.
      const seen = new Set<string>();
      const watch = setInterval(() => seen.add(JSON.stringify(entry() ?? null)), 50);
      const r = await cli(['rollout', ...common(inv), ...state(), '--yes']).finally(() =>
        clearInterval(watch),
      );
      expect([...seen]).toEqual([JSON.stringify(before)]);
      const out = r.stdout + r.stderr;
      expect(r.code, out).not.toBe(0);
      expect(out).toContain('netsh update');
      expect(out).toContain('binding unchanged');
      expect(out).toMatch(/rolled[ -]back/i);
      expect(out).not.toMatch(/verified/i);
    } finally {
      writeFileSync(hostJson, was);
    }
    expect(entry()).toEqual(before);
    expect(await served()).toBe(pki.oldLeaf.sha256);
    // The rollback removed what this run imported.
    expect(inStore(pki.newLeaf)).toBe(false);
  }, 600_000);
});
