// The PFX certroll builds for a Windows host, per the host's build: openssl reports the algorithm
// actually used, and .NET (through PowerShell 7, the same PKCS#12 reader Windows' X509Certificate2
// uses on Linux) imports each and refuses a wrong password. The stage input follows the build the
// preflight reports.
import { execFile, execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadBundle,
  pfxEncryptionFor,
  repackPfx,
  type Bundle,
  type WindowsHostFacts,
} from '../../../src/cert/index.js';
import { prepareRollout } from '../../../src/rollout/prepare.js';
import { TestPki } from '../../lab/pki.js';
import { checkerPwsh } from '../../lab/windows/ps51-check.js';

let pki: TestPki;
let bundle: Bundle;
let bundlePath: string;
let rootPath: string;
const PASSWORD = 'stage-secret-Ü-1';
const SERVER_2016: WindowsHostFacts = { build: 14393, psVersion: '5.1.14393.0' };
const SERVER_2019: WindowsHostFacts = { build: 17763, psVersion: '5.1.17763.1' };

beforeAll(() => {
  pki = TestPki.create();
  const set = pki.chain(['bc.contoso.test']);
  bundlePath = pki.write(
    'bundle.pem',
    set.leaf.certPem + set.leaf.keyPem + set.intermediate.certPem,
  );
  bundle = loadBundle({ path: bundlePath });
  rootPath = set.root.certPath;
});
afterAll(() => pki.cleanup());

function pfxFor(name: string, facts: WindowsHostFacts): string {
  const pfx = repackPfx(bundle, { password: PASSWORD, encoding: pfxEncryptionFor(facts) });
  return pki.write(`${name}.pfx`, pfx);
}

/** `openssl pkcs12 -info -nokeys` (stderr holds the algorithms), with or without -legacy. */
function opensslInfo(path: string, legacy: boolean): string {
  const pass = pki.write('openssl.pass', PASSWORD);
  return execFileSync(
    'sh',
    [
      '-c',
      'openssl pkcs12 -in "$1" -passin "file:$2" -info -nokeys $3 2>&1',
      'sh',
      path,
      pass,
      legacy ? '-legacy' : '',
    ],
    { encoding: 'utf8' },
  );
}

describe('the PFX for a Windows host, per its build', () => {
  it('is PBES2 AES-256-CBC with a SHA-256 MAC for Server 2019, read by openssl with and without -legacy', () => {
    const path = pfxFor('server-2019', SERVER_2019);
    for (const legacy of [false, true]) {
      const info = opensslInfo(path, legacy);
      expect(info).toMatch(/MAC: sha256/);
      expect(info).toMatch(/Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC/);
      expect(info).not.toMatch(/3-KeyTripleDES/);
      expect(info).toContain('-----BEGIN CERTIFICATE-----');
    }
  });

  it('is pbeWithSHA1And3-KeyTripleDES-CBC with a SHA-1 MAC for Server 2016, read by openssl with and without -legacy', () => {
    const path = pfxFor('server-2016', SERVER_2016);
    for (const legacy of [false, true]) {
      const info = opensslInfo(path, legacy);
      expect(info).toMatch(/MAC: sha1/);
      expect(info).toMatch(/Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC/);
      expect(info).not.toMatch(/AES-256/);
      expect(info).toContain('-----BEGIN CERTIFICATE-----');
    }
  });

  it('imports into .NET for both builds, the key with the leaf, and a wrong password is refused', async () => {
    // One pwsh for every case (its start is the cost); paths and passwords on stdin.
    const cases = [SERVER_2016, SERVER_2019].flatMap((facts) => {
      const path = pfxFor(`import-${facts.build}`, facts);
      return [
        { path, password: PASSWORD },
        { path, password: 'not-the-password' },
      ];
    });
    const script = [
      "$ErrorActionPreference = 'Stop'",
      'foreach ($case in @([Console]::In.ReadToEnd() | ConvertFrom-Json)) {',
      '  $c = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2Collection',
      '  try {',
      "    $c.Import([IO.File]::ReadAllBytes($case.path), [string]$case.password, 'EphemeralKeySet')",
      '    $leaf = @($c | Where-Object { $_.HasPrivateKey })',
      '    "imported {0} {1} {2}" -f $c.Count, $leaf.Count, $leaf[0].Thumbprint',
      '  } catch { "refused" }',
      '}',
    ].join('\n');
    const out = await new Promise<string>((resolve, reject) => {
      const child = execFile(
        checkerPwsh(),
        ['-NoProfile', '-NonInteractive', '-Command', script],
        { timeout: 50_000 },
        (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      );
      child.stdin?.end(JSON.stringify(cases));
    });
    const thumbprint = bundle.leaf.fingerprint.replace(/:/g, '');
    const imported = `imported 2 1 ${thumbprint}`;
    expect(out.trim().split('\n')).toEqual([imported, 'refused', imported, 'refused']);
  }, 60_000);
});

describe('the stage input of a Windows host', () => {
  it('is 3DES until the preflight reports the build, then follows it', async () => {
    const inventory = pki.write(
      'inventory.yaml',
      [
        'version: 1',
        'defaults:',
        '  transport: { kind: powershell-ssh, user: admin }',
        'environments:',
        '  - name: prod',
        '    hosts:',
        '      - name: bc-01',
        '        address: 127.0.0.1',
        '        bindings:',
        "          - { port: 7047, kind: netsh-http, params: { ipport: '0.0.0.0:7047' }, probe: { sni: [bc.contoso.test] } }",
        '',
      ].join('\n'),
    );
    const prepared = await prepareRollout(
      { inventory, cert: bundlePath, trust: [rootPath], minDays: 0 },
      {},
    );
    const host = prepared.inventory.environments[0]!.hosts[0]!;
    const playbook = prepared.playbooks.get('netsh-http');
    const algorithm = () => {
      const m = prepared.material(host, playbook);
      if (m.kind !== 'pfx') throw new Error('expected a PFX');
      const path = pki.write('stage.pfx', m.pfx);
      const pass = pki.write('stage.pass', m.password);
      return execFileSync(
        'sh',
        ['-c', 'openssl pkcs12 -in "$1" -passin "file:$2" -info -nokeys 2>&1', 'sh', path, pass],
        {
          encoding: 'utf8',
        },
      ).match(/Shrouded Keybag: ([^\n]+)/)?.[1];
    };
    expect(algorithm()).toBe('pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048');
    prepared.windowsFacts.set(host.name, SERVER_2019);
    expect(algorithm()).toMatch(/^PBES2, PBKDF2, AES-256-CBC/);
    prepared.windowsFacts.set(host.name, SERVER_2016);
    expect(algorithm()).toBe('pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048');
  });
});
