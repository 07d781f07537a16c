// The Business Central incident, replayed through the built CLI against a simulated Windows
// server (real PowerShell 7.6 over real OpenSSH; netsh, http.sys, the certificate store and the
// BC service tier simulated; every port's certificate judged by certroll's own probe on the
// wire). Two service-tier instances: BC1 serves SOAP/OData on 7047/7048, BC2 on 7147/7148, and
// BC2's OData is also bound by host name. The manual swap that caused the outage renewed BC1
// only and missed 7147/7148.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { listRunIds } from '../../src/journal/index.js';
import { probe } from '../../src/probe/probe.js';
import { runCliAsync } from '../helpers/cli.js';
import { renewalPki, type Issued, type RenewalPki } from '../lab/pki.js';
import { writeBcInstance } from '../lab/windows/bc.js';
import {
  powershellSshYaml,
  startWindowsHost,
  type WindowsHost,
  hostNetsh,
} from '../lab/windows/host.js';
import { SimRoot } from '../lab/windows/pwsh-local.js';
import { writeStoreCert } from '../lab/windows/store.js';

const NAME = 'bc.contoso.com';
const APPID = {
  BC1: '{4dc3e181-e14b-4a21-b022-59fc669b0914}',
  BC2: '{7c6ee4c4-1b3c-4c2a-9d2c-1f0e61d2a6b1}',
};
const NETWORK_SERVICE = 'NT AUTHORITY\\NETWORK SERVICE';
// BC2 runs under its virtual account, BC1 under NetworkService: each must be able to read the key.
const BC2_ACCOUNT = 'NT SERVICE\\MicrosoftDynamicsNavServer$BC2';

let pki: RenewalPki;
let win: WindowsHost;
let sim: SimRoot;
let third: Issued;
let dir: string;

const netsh = (...args: string[]): string => hostNetsh(win, ...args);

function inventory(file: string, instances: readonly string[], extra: Record<string, object> = {}) {
  const ports: Record<string, number[]> = { BC1: [7047, 7048], BC2: [7147, 7148] };
  const doc = {
    version: 1,
    defaults: {
      transport: powershellSshYaml(win),
      // Each instance is a unit of its own, undone alone (as inventories/business-central.yaml).
      policy: { batchSize: 1, concurrency: 1, failureBudget: 1, onFailure: 'halt', undo: 'unit' },
    },
    environments: [
      {
        name: 'production',
        hosts: [
          {
            name: 'bc01',
            address: win.address,
            // The client services port (net.tcp) loads the same certificate; TLS starts inside
            // .NET Message Framing there, so a TLS handshake cannot judge it.
            exclude: instances.map((i) => ({
              port: ports[i]![0]! - 1,
              reason: 'client services (net.tcp): renewed with the instance, not probed by TLS',
            })),
            bindings: instances.flatMap((instance) =>
              ports[instance]!.map((port) => ({
                port,
                kind: 'bc-service-tier',
                params: { instance, restartTimeoutSeconds: 30, ...extra[instance] },
                probe: { sni: [NAME] },
              })),
            ),
          },
        ],
      },
    ],
  };
  const path = join(dir, file);
  writeFileSync(path, stringify(doc));
  return path;
}

async function served(port: number, sni: string | null = NAME): Promise<string | undefined> {
  const r = await probe({ address: win.address, port, sni }, { timeoutMs: 5000 });
  return r.ok ? r.leaf.sha256 : undefined;
}

// A rollout here starts PowerShell about twenty times (about 1 s each on an idle machine).
const cli = (args: string[]) => runCliAsync(args, { timeoutMs: 540_000 });

beforeAll(async () => {
  pki = renewalPki(NAME, { key: { type: 'rsa', bits: 2048 } });
  third = pki.pki.issue(
    { cn: NAME, sans: [NAME], days: 300, key: { type: 'rsa', bits: 2048 } },
    pki.intermediate,
  );
  win = await startWindowsHost({ computerName: 'BC01', build: '2019' });
  dir = join(win.simRoot, '..');
  sim = new SimRoot(win.simRoot);
  writeStoreCert(sim, pki.oldLeaf, {
    meta: {
      keyAcl: ['NT AUTHORITY\\SYSTEM', 'BUILTIN\\Administrators', NETWORK_SERVICE, BC2_ACCOUNT],
    },
  });
  // The chain lives in LocalMachine\CA, where Schannel finds it to send after the leaf.
  writeStoreCert(sim, pki.intermediate, { store: 'CA', withKey: false });
  for (const [index, instance] of ['BC1', 'BC2'].entries()) {
    writeBcInstance(sim, {
      instance,
      index,
      thumbprint: pki.oldLeaf.thumbprint,
      status: 'Running',
      startDelayMs: 300,
      ...(instance === 'BC2' ? { startName: BC2_ACCOUNT } : {}),
    });
  }
  const old = pki.oldLeaf.thumbprint;
  for (const port of [7047, 7048])
    netsh(
      'add',
      'sslcert',
      `ipport=0.0.0.0:${port}`,
      `certhash=${old}`,
      `appid=${APPID.BC1}`,
      'certstorename=My',
    );
  for (const port of [7147, 7148])
    netsh(
      'add',
      'sslcert',
      `ipport=0.0.0.0:${port}`,
      `certhash=${old}`,
      `appid=${APPID.BC2}`,
      'certstorename=My',
    );
  netsh(
    'add',
    'sslcert',
    `hostnameport=${NAME}:7148`,
    `certhash=${old}`,
    `appid=${APPID.BC2}`,
    'certstorename=My',
  );
  for (const port of [7047, 7048, 7147, 7148]) expect(await served(port)).toBe(pki.oldLeaf.sha256);
}, 120_000);

afterAll(async () => {
  await win?.stop();
  pki?.pki.cleanup();
});

const common = (inv: string, bundle = pki.bundlePath) => [
  '-i',
  inv,
  '--cert',
  bundle,
  '--trust',
  pki.root.certPath,
];
const state = () => ['--state-dir', join(dir, 'state')];
/** The newest run in the state folder (run ids sort by time). */
const lastRun = () => listRunIds(join(dir, 'state')).sort().at(-1)!;
const inStore = (c: Issued) => existsSync(sim.path(`store/LocalMachine/My/${c.thumbprint}.cer`));
/** A PFX written for Import-PfxCertificate that stage did not remove. */
// The simulated host's own temp folder (test/lab/windows/host.ts): other tests stage in theirs.
const stagedPfx = () =>
  readdirSync(join(win.simRoot, 'temp')).filter((f) => /^certroll-[0-9a-f]{32}\.pfx$/.test(f));

describe('the Business Central incident, replayed', () => {
  it('an inventory that lists only BC1: plan refuses, naming 7147 and 7148 on the old certificate', async () => {
    const inv = inventory('bc1-only.yaml', ['BC1']);
    const r = await cli(['plan', ...common(inv), '-o', join(dir, 'plan-bc1.json')]);
    expect(r.code, r.stdout + r.stderr).not.toBe(0);
    expect(r.code, r.stdout + r.stderr).not.toBe(2);
    expect(r.stdout + r.stderr).toMatch(/7147/);
    expect(r.stdout + r.stderr).toMatch(/7148/);
    // Nothing changed.
    for (const port of [7047, 7048, 7147, 7148])
      expect(await served(port)).toBe(pki.oldLeaf.sha256);
  }, 600_000);

  it("with both instances listed: each restarted once, every port proven under the clients' name", async () => {
    const purge = { oldCertificate: 'remove-unused' };
    const inv = inventory('both.yaml', ['BC1', 'BC2'], { BC1: purge, BC2: purge });
    const r = await cli(['rollout', ...common(inv), ...state(), '--yes']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(stagedPfx()).toEqual([]);
    for (const port of [7047, 7048, 7147, 7148]) {
      expect(await served(port)).toBe(pki.newLeaf.sha256);
      expect(await served(port, null)).toBe(pki.newLeaf.sha256);
    }
    const cfg = (i: string) => readFileSync(sim.path(`bc/${i}/CustomSettings.config`), 'utf8');
    expect(cfg('BC1')).toContain(`value="${pki.newLeaf.thumbprint}"`);
    expect(cfg('BC2')).toContain(`value="${pki.newLeaf.thumbprint}"`);
    // Each binding keeps its own appid: no placeholder was written.
    const table = JSON.parse(readFileSync(sim.path('httpsys/sslcert.json'), 'utf8')) as {
      bindings: { endpoint: string; appid: string; certhash: string }[];
    };
    const appid = (e: string) => table.bindings.find((b) => b.endpoint === e)?.appid.toLowerCase();
    expect(appid('0.0.0.0:7047')).toBe(APPID.BC1);
    expect(appid(`${NAME}:7148`)).toBe(APPID.BC2);
    expect(
      table.bindings.every(
        (b) => b.certhash.toUpperCase() === pki.newLeaf.thumbprint.toUpperCase(),
      ),
    ).toBe(true);
    // The previous certificate stays until `purge` (so `rollback RUN` can bind it again); the
    // policy remove-unused then removes it, with its key, as nothing uses it any more.
    expect(inStore(pki.oldLeaf)).toBe(true);
    const logFrom = win.log().length;
    const p = await cli(['purge', lastRun(), ...state()]);
    expect(p.code, p.stdout + p.stderr).toBe(0);
    // Once per instance (a unit: both its ports), not once per port: the purge alone asks for
    // every instance's thumbprint.
    const purges = win
      .log()
      .slice(logFrom)
      .match(/CommandInvocation\(Get-NAVServerInstance\)/g);
    expect(purges?.length).toBe(2);
    expect(inStore(pki.oldLeaf)).toBe(false);
    expect(existsSync(sim.path(`store/LocalMachine/My/${pki.oldLeaf.thumbprint}.key`))).toBe(false);
    expect(inStore(pki.newLeaf)).toBe(true);
  }, 600_000);

  it('with script block and module logging on, neither the PFX nor its password reached the log', () => {
    const log = win.log();
    // Logging was on and saw the stage: its script text and the import it ran.
    expect(log).toContain('Import-PfxCertificate');
    // The PFX travels base64 on stdin: no PKCS#12 (DER, base64 "MII...") is in the log. (The
    // -EncodedCommand in the host application line is the static script text, UTF-16 base64.)
    expect(log).not.toMatch(/MII[A-Za-z0-9+/]{200,}/);
    // The PFX password (32 characters of base64url) would reach the log as a parameter value
    // (module logging records every command's parameters): no value of that shape is there.
    const values = [...log.matchAll(/ParameterBinding\([^)]*\): name="[^"]*"; value="([^"]*)"/g)];
    expect(values.length).toBeGreaterThan(0);
    const secretLike = values
      .map((m) => m[1]!)
      .filter((v) => /^[A-Za-z0-9_-]{32}$/.test(v) && !/^[0-9a-fA-F]+$/.test(v));
    expect(secretLike).toEqual([]);
  });

  it('a fault on BC2: BC2 alone is undone (thumbprint, netsh, restart) and proven on the previous certificate, BC1 stays verified; rollback RUN then restores BC1 and removes the new certificate', async () => {
    // BC2's key is granted to an account its service does not run as (and the new key is
    // granted to BC1's NetworkService only): BC2 cannot start on the new certificate. With
    // policy undo: unit the instance is the unit of undo: BC2 is rolled back, and BC1, bound and
    // proven before it, stays on the new certificate.
    const inv = inventory('fault.yaml', ['BC1', 'BC2'], {
      BC2: { grantAccount: 'NT AUTHORITY\\LOCAL SERVICE' },
    });
    const bundle = pki.pki.write(
      'third.pem',
      third.certPem + pki.intermediate.certPem + third.keyPem,
    );
    const r = await cli(['rollout', ...common(inv, bundle), ...state(), '--yes']);
    const out = r.stdout + r.stderr;
    expect(r.code, out).not.toBe(0);
    expect(out).toMatch(/rolled back/i);
    expect(out).toMatch(/MicrosoftDynamicsNavServer\$BC2/);
    expect(out).toMatch(/7047\s+verified/);
    expect(out).toMatch(/7147\s+rolled-back/);
    for (const port of [7047, 7048]) expect(await served(port)).toBe(third.sha256);
    for (const port of [7147, 7148]) expect(await served(port)).toBe(pki.newLeaf.sha256);
    const cfg = (i: string) => readFileSync(sim.path(`bc/${i}/CustomSettings.config`), 'utf8');
    const status = (i: string) =>
      (
        JSON.parse(
          readFileSync(sim.path(`services/MicrosoftDynamicsNavServer$${i}.json`), 'utf8'),
        ) as { status: string }
      ).status;
    expect(cfg('BC1')).toContain(`value="${third.thumbprint}"`);
    expect(cfg('BC2')).toContain(`value="${pki.newLeaf.thumbprint}"`);
    expect(status('BC1')).toBe('Running');
    expect(status('BC2')).toBe('Running');
    // BC2's rollback left the new certificate in the store: BC1 uses it.
    expect(inStore(third)).toBe(true);
    expect(stagedPfx()).toEqual([]);

    // The run can still be rolled back: BC1, the unit it verified, returns to the previous
    // certificate, and the new one, imported by this run and bound nowhere now, leaves the store.
    const back = await cli([
      'rollback',
      lastRun(),
      '--yes',
      '--trust',
      pki.root.certPath,
      ...state(),
    ]);
    expect(back.code, back.stdout + back.stderr).toBe(0);
    for (const port of [7047, 7048, 7147, 7148])
      expect(await served(port)).toBe(pki.newLeaf.sha256);
    expect(cfg('BC1')).toContain(`value="${pki.newLeaf.thumbprint}"`);
    expect(status('BC1')).toBe('Running');
    expect(inStore(third)).toBe(false);
    expect(inStore(pki.newLeaf)).toBe(true);
  }, 600_000);
});
