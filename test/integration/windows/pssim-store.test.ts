// The simulated certificate store, driven by real PowerShell 7: Import-PfxCertificate parses
// real PKCS#12 files made by openssl, and the Cert:\ paths read the store back as real
// X509Certificate2 objects, while every other path still reaches the real cmdlets.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { P256, TestPki, type Issued } from '../../lab/pki.js';
import { PWSH_BUDGET_MS, SimRoot, runPwsh } from '../../lab/windows/pwsh-local.js';

// One pwsh process for the whole file (its start is most of the cost): every check's result.
const SCRIPT = String.raw`
$ErrorActionPreference = 'Stop'
$pw = ConvertTo-SecureString 'right horse' -AsPlainText -Force
$bad = ConvertTo-SecureString 'wrong' -AsPlainText -Force
$r = [ordered]@{}
try { Import-PfxCertificate -FilePath $env:PFX_SIG -CertStoreLocation Cert:\LocalMachine\WebHosting -Password $bad; $r.wrongPassword = @{ message = 'imported' } }
catch { $r.wrongPassword = @{ message = $_.Exception.Message; id = $_.FullyQualifiedErrorId; stored = @(Get-ChildItem Cert:\LocalMachine\WebHosting).Count -gt 0 } }
$c = @(Import-PfxCertificate -FilePath $env:PFX_RSA -CertStoreLocation Cert:\LocalMachine\My -Password $pw -Exportable)
$r.imported = @{ thumbprint = $c[0].Thumbprint; hasKey = $c[0].HasPrivateKey; psParentPath = $c[0].PSParentPath; count = $c.Count }
$t = $c[0].Thumbprint
$r.testPath = @((Test-Path -LiteralPath ('Cert:\LocalMachine\My\' + $t)), (Test-Path ('Cert:\LocalMachine\My\' + $t.ToLower())), (Test-Path 'Cert:\LocalMachine\My\0000000000000000000000000000000000000000'), (Test-Path Cert:\LocalMachine\My))
$i = Get-Item -LiteralPath ('Cert:\LocalMachine\My\' + $t)
$r.item = @{ thumbprint = $i.Thumbprint; hasKey = $i.HasPrivateKey; notAfter = $i.NotAfter.ToUniversalTime().ToString('o'); psPath = $i.PSPath }
$r.children = @(Get-ChildItem -Path Cert:\LocalMachine\My | ForEach-Object { $_.Thumbprint })
$r.stores = @(Get-ChildItem Cert:\LocalMachine | ForEach-Object { $_.Name })
try { Get-Item 'Cert:\LocalMachine\My\ABCDEF' } catch { $r.missing = @{ message = $_.Exception.Message; id = $_.FullyQualifiedErrorId } }
$r.realPaths = @{ tmp = (Get-Item -LiteralPath '/tmp').FullName; etcChildren = @(Get-ChildItem -Path /etc -Filter 'host*').Count; testPathEtc = (Test-Path /etc/hostname) }
$e = Import-PfxCertificate -FilePath $env:PFX_EC -CertStoreLocation Cert:\LocalMachine\My -Password $pw
$m = Get-Content -Raw ($env:CERTROLL_WINSIM + '/store/LocalMachine/My/' + $e.Thumbprint + '.json') | ConvertFrom-Json
$r.ec = @{ keySpec = $m.keySpec; keyAlgorithm = $m.keyAlgorithm; hasKey = (Get-Item ('Cert:\LocalMachine\My\' + $e.Thumbprint)).HasPrivateKey }
$s = Import-PfxCertificate -FilePath $env:PFX_SIG -CertStoreLocation Cert:\LocalMachine\WebHosting -Password $pw
$r.sig = (Get-Content -Raw ($env:CERTROLL_WINSIM + '/store/LocalMachine/WebHosting/' + $s.Thumbprint + '.json') | ConvertFrom-Json).keySpec
$r.chain = @{ ca = (Test-Path ('Cert:\LocalMachine\CA\' + $env:INTER)); root = (Test-Path ('Cert:\LocalMachine\Root\' + $env:ROOT)); myCount = @(Get-ChildItem Cert:\LocalMachine\My).Count }
Remove-Item -LiteralPath ('Cert:\LocalMachine\My\' + $t)
$keyKept = Test-Path -LiteralPath ($env:CERTROLL_WINSIM + '/store/LocalMachine/My/' + $t + '.key')
Remove-Item -Path ('Cert:\LocalMachine\WebHosting\' + $s.Thumbprint) -DeleteKey
$r.removed = @{ cert = (Test-Path ('Cert:\LocalMachine\My\' + $t)); keyKept = $keyKept; deleteKey = (Test-Path -LiteralPath ($env:CERTROLL_WINSIM + '/store/LocalMachine/WebHosting/' + $s.Thumbprint + '.key')) }
# Server 2016 cannot decrypt an AES-256 PFX: Windows' password error; a 3DES one imports.
$env:CERTROLL_WINSIM = $env:OLD_SIM
$r.old = @(foreach ($f in @($env:PFX_EC, $env:PFX_RSA)) {
  try { $o = Import-PfxCertificate -FilePath $f -CertStoreLocation Cert:\LocalMachine\My -Password $pw; 'ok ' + $o.Thumbprint }
  catch { 'error ' + $_.Exception.Message }
})
$r | ConvertTo-Json -Depth 4 -Compress
`;

interface StoreResult {
  old: string[];

  imported: { thumbprint: string; hasKey: boolean; psParentPath: string; count: number };
  testPath: boolean[];
  item: { thumbprint: string; hasKey: boolean; notAfter: string; psPath: string };
  children: string[];
  stores: string[];
  wrongPassword: { message: string; id: string; stored: boolean };
  missing: { message: string; id: string };
  realPaths: { tmp: string; etcChildren: number; testPathEtc: boolean };
  ec: { keySpec: string; keyAlgorithm: string; hasKey: boolean };
  sig: string;
  chain: { ca: boolean; root: boolean; myCount: number };
  removed: { cert: boolean; keyKept: boolean; deleteKey: boolean };
}

describe('the simulated certificate store (Cert: and Import-PfxCertificate)', () => {
  let pki: TestPki;
  let root: Issued;
  let inter: Issued;
  let rsa: Issued;
  let ec: Issued;
  let sim: SimRoot;
  let old: SimRoot;
  let r: StoreResult;
  let stderr: string;
  const pfx: Record<string, string> = {};

  beforeAll(async () => {
    pki = TestPki.create();
    root = pki.root();
    inter = pki.issue({ cn: 'lab intermediate', isCa: true, days: 365 }, root);
    rsa = pki.issue({ cn: 'bc.contoso.com', sans: ['bc.contoso.com'] }, inter);
    ec = pki.issue({ cn: 'ec.contoso.com', sans: ['ec.contoso.com'], key: P256 }, inter);
    pfx['rsa'] = pki.pfx(rsa, { password: 'right horse', chain: [inter, root], encoding: '3des' });
    pfx['ec'] = pki.pfx(ec, { password: 'right horse', encoding: 'aes' });
    // A signature-only RSA key (AT_SIGNATURE on Windows): openssl marks it with -keysig.
    pfx['sig'] = join(pki.dir, 'sig.pfx');
    execFileSync('openssl', [
      'pkcs12',
      '-export',
      '-keysig',
      '-inkey',
      rsa.keyPath,
      '-in',
      rsa.certPath,
      '-passout',
      'pass:right horse',
      '-out',
      pfx['sig'],
    ]);
    sim = SimRoot.create();
    old = SimRoot.create({ build: '2016' });
    const vars = {
      PFX_RSA: pfx['rsa'],
      PFX_EC: pfx['ec'],
      PFX_SIG: pfx['sig'],
      INTER: inter.thumbprint,
      ROOT: root.thumbprint,
      OLD_SIM: old.dir,
    };
    const res = await runPwsh(sim, setEnv(vars) + SCRIPT, { timeoutMs: PWSH_BUDGET_MS });
    stderr = res.stderr;
    r = JSON.parse(res.stdout.trim().split('\n').pop()!) as StoreResult;
  }, PWSH_BUDGET_MS + 5_000);
  afterAll(() => {
    pki.cleanup();
    sim.remove();
    old.remove();
  });

  it('imports a PFX with .NET PKCS#12 parsing, refuses a wrong password as Windows does, and serves Cert:\\ paths', () => {
    expect(stderr).toBe('');

    expect(r.wrongPassword).toEqual({
      message: 'The specified network password is not correct.',
      id: 'System.ComponentModel.Win32Exception,Microsoft.CertificateServices.Commands.ImportPfxCertificate,Import-PfxCertificate',
      stored: false,
    });
    expect(r.imported).toEqual({
      thumbprint: rsa.thumbprint,
      hasKey: true,
      psParentPath: 'Microsoft.PowerShell.Security\\Certificate::LocalMachine\\My',
      count: 1,
    });
    expect(r.testPath).toEqual([true, true, false, true]);
    expect(r.item).toEqual({
      thumbprint: rsa.thumbprint,
      hasKey: true,
      notAfter: new Date(rsa.x509.validTo).toISOString().replace('.000Z', '.0000000Z'),
      psPath: `Microsoft.PowerShell.Security\\Certificate::LocalMachine\\My\\${rsa.thumbprint}`,
    });
    expect(r.children).toEqual([rsa.thumbprint]);
    expect(r.stores).toEqual(expect.arrayContaining(['My', 'WebHosting', 'CA', 'Root']));
    expect(r.missing).toEqual({
      message: "Cannot find path 'Cert:\\LocalMachine\\My\\ABCDEF' because it does not exist.",
      id: 'PathNotFound,Microsoft.PowerShell.Commands.GetItemCommand,Get-Item',
    });
    expect(r.realPaths).toEqual({
      tmp: '/tmp',
      etcChildren: expect.any(Number),
      testPathEtc: true,
    });
    expect(r.realPaths.etcChildren).toBeGreaterThan(0);
    expect(r.ec).toEqual({ keySpec: 'signature', keyAlgorithm: 'EC', hasKey: true });
    expect(r.sig).toBe('signature');
    expect(r.chain).toEqual({ ca: true, root: true, myCount: 2 });
    expect(r.removed).toEqual({ cert: false, keyKept: true, deleteKey: false });

    const meta = sim.readJson<Record<string, unknown>>(
      `store/LocalMachine/My/${ec.thumbprint}.json`,
    );
    expect(meta).toEqual({
      keyAcl: ['NT AUTHORITY\\SYSTEM', 'BUILTIN\\Administrators'],
      keyAlgorithm: 'EC',
      keySpec: 'signature',
      exportable: false,
      friendlyName: '',
      // What the PFX was encrypted with: this one AES-256 (PBES2).
      importedFrom: 'pfx-pbes2',
    });
    expect(statSync(sim.path(`store/LocalMachine/My/${ec.thumbprint}.key`)).mode & 0o777).toBe(
      0o600,
    );
    expect(sim.readText(`store/LocalMachine/My/${ec.thumbprint}.key`)).toMatch(
      /^-----BEGIN PRIVATE KEY-----\n/,
    );
  });

  it('refuses an AES-256 PFX on Server 2016 with the password error, and imports a 3DES one', () => {
    expect(r.old).toEqual([
      'error The specified network password is not correct.',
      `ok ${rsa.thumbprint}`,
    ]);
  });
});

/** PowerShell lines setting environment variables (paths stay out of the script's text body). */
function setEnv(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([k, v]) => `$env:${k} = '${v.replace(/'/g, "''")}'\n`)
    .join('');
}
