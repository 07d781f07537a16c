// The simulated native tools (certutil.exe, icacls.exe, whoami.exe) driven from real PowerShell 7
// the way a Windows script drives them: the service account of a BC instance gets read access to
// the certificate's private key file named by certutil, after which the instance starts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { P256, TestPki, type Issued } from '../../lab/pki.js';
import { writeBcInstance } from '../../lab/windows/bc.js';
import { PWSH_BUDGET_MS, SimRoot, runPwsh } from '../../lab/windows/pwsh-local.js';

// The grant as a product script would write it (valid Windows PowerShell 5.1): certutil names the
// key's container and provider, icacls grants read on that file; the service control manager's
// account spellings become SIDs first.
const GRANT = String.raw`
function Get-KeyFile([string] $Thumbprint) {
  $text = & certutil.exe -store My $Thumbprint | Out-String
  if ($LASTEXITCODE -ne 0) { throw ('certutil -store My ' + $Thumbprint + ' failed: ' + $text.Trim()) }
  $unique = [regex]::Match($text, 'Unique container name: (\S+)').Groups[1].Value
  $provider = [regex]::Match($text, 'Provider = ([^\r\n]+)').Groups[1].Value
  if ($provider -match 'Key Storage Provider') { $folder = 'Keys' } else { $folder = 'RSA\MachineKeys' }
  $env:ProgramData + '\Microsoft\Crypto\' + $folder + '\' + $unique
}
function Grant-KeyRead([string] $File, [string] $Account) {
  switch -Regex ($Account) {
    '^(\.\\)?LocalSystem$' { $Account = '*S-1-5-18' }
    '^NT AUTHORITY\\NetworkService$' { $Account = '*S-1-5-20' }
    '^NT AUTHORITY\\LocalService$' { $Account = '*S-1-5-19' }
  }
  $out = & icacls.exe $File /grant ($Account + ':(R)') | Out-String
  [pscustomobject]@{ code = $LASTEXITCODE; text = $out.Trim() }
}
`;

describe('the simulated certutil, icacls and whoami', () => {
  let pki: TestPki;
  let rsa: Issued;
  let ec: Issued;
  let sim: SimRoot;
  let plain: SimRoot;
  const pfx: Record<string, string> = {};

  beforeAll(() => {
    pki = TestPki.create();
    const root = pki.root();
    rsa = pki.issue({ cn: 'bc.contoso.com', sans: ['bc.contoso.com'] }, root);
    ec = pki.issue({ cn: 'ec.contoso.com', sans: ['ec.contoso.com'], key: P256 }, root);
    pfx['rsa'] = pki.pfx(rsa, { password: 'pw', encoding: '3des' });
    pfx['ec'] = pki.pfx(ec, { password: 'pw', encoding: '3des' });
    sim = SimRoot.create({ accounts: ['CONTOSO\\svc-bc'] });
    const accounts: Record<string, string> = {
      NETSVC: 'NT AUTHORITY\\NetworkService',
      VIRT: 'NT SERVICE\\MicrosoftDynamicsNavServer$VIRT',
      DOMAIN: 'CONTOSO\\svc-bc',
      LOCALSYS: 'LocalSystem',
    };
    Object.entries(accounts).forEach(([instance, startName], index) =>
      writeBcInstance(sim, {
        instance,
        index,
        thumbprint: rsa.thumbprint,
        startName,
        startDelayMs: 50,
      }),
    );
    plain = SimRoot.create({ adminAccounts: [], currentAccount: 'BC01\\operator' });
  });
  afterAll(() => {
    pki.cleanup();
    sim.remove();
    plain.remove();
  });

  it(
    'grants each kind of service account read on the key through certutil and icacls, after which BC starts',
    async () => {
      const script = String.raw`
$r = [ordered]@{}
$pw = ConvertTo-SecureString 'pw' -AsPlainText -Force
$c = Import-PfxCertificate -FilePath $env:PFX_RSA -CertStoreLocation Cert:\LocalMachine\My -Password $pw
$e = Import-PfxCertificate -FilePath $env:PFX_EC -CertStoreLocation Cert:\LocalMachine\My -Password $pw
function Start-Bc([string] $i) {
  try { Start-Service -Name ('MicrosoftDynamicsNavServer$' + $i) -ErrorAction Stop; 'Running' } catch { 'refused' }
}
$r.before = Start-Bc 'NETSVC'
$file = Get-KeyFile $c.Thumbprint
$r.grants = [ordered]@{}
foreach ($i in @('NETSVC', 'VIRT', 'DOMAIN', 'LOCALSYS')) {
  $svc = Get-Content -Raw ($env:CERTROLL_WINSIM + '/services/MicrosoftDynamicsNavServer$' + $i + '.json') | ConvertFrom-Json
  $g = Grant-KeyRead $file $svc.startName
  $r.grants[$i] = [ordered]@{ code = $g.code; start = (Start-Bc $i) }
}
$r.unknown = Grant-KeyRead $file 'CONTOSO\nobody'
$r.scmName = (Grant-KeyRead $file 'NT SERVICE\NoSuchService').code
$ecFile = Get-KeyFile $e.Thumbprint
$r.ecFile = $ecFile -like 'C:\ProgramData\Microsoft\Crypto\Keys\*'
$r.ec = Grant-KeyRead $ecFile 'NT SERVICE\MicrosoftDynamicsNavServer$VIRT'
$r.acl = (Get-Content -Raw ($env:CERTROLL_WINSIM + '/store/LocalMachine/My/' + $c.Thumbprint + '.json') | ConvertFrom-Json).keyAcl
$text = & certutil.exe -store My 0000000000000000000000000000000000000000 | Out-String
$r.notFound = [ordered]@{ code = $LASTEXITCODE; text = $text.Trim() }
$null = & certutil.exe -delstore My $e.Thumbprint
$r.deleted = [ordered]@{ code = $LASTEXITCODE; present = (Test-Path ('Cert:\LocalMachine\My\' + $e.Thumbprint)) }
$groups = & whoami.exe /groups /fo csv | ConvertFrom-Csv
$r.label = ($groups | Where-Object { $_.Type -eq 'Label' }).SID
$r.user = (& whoami.exe /user /fo csv | ConvertFrom-Csv).'User Name'
$env:CERTROLL_WINSIM = $env:PLAIN_SIM
$r.plainLabel = ((& whoami.exe /groups /fo csv | ConvertFrom-Csv) | Where-Object { $_.Type -eq 'Label' }).SID
$r | ConvertTo-Json -Depth 4 -Compress
`;
      const env = `$env:PFX_RSA = '${pfx['rsa']}'\n$env:PFX_EC = '${pfx['ec']}'\n$env:PLAIN_SIM = '${plain.dir}'\n`;
      const res = await runPwsh(sim, env + GRANT + script, { timeoutMs: PWSH_BUDGET_MS });
      expect(res.stderr).toBe('');
      const r = JSON.parse(res.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
      expect(r['before']).toBe('refused');
      expect(r['grants']).toEqual({
        NETSVC: { code: 0, start: 'Running' },
        VIRT: { code: 0, start: 'Running' },
        DOMAIN: { code: 0, start: 'Running' },
        LOCALSYS: { code: 0, start: 'Running' },
      });
      const unknown = r['unknown'] as { code: number; text: string };
      expect(unknown.code).not.toBe(0);
      expect(unknown.text.replace(/\r/g, '')).toBe(
        'CONTOSO\\nobody: No mapping between account names and security IDs was done.\nSuccessfully processed 0 files; Failed processing 1 files',
      );
      expect(r['scmName']).not.toBe(0);
      expect(r['ec']).toMatchObject({ code: 0 });
      expect(r['acl']).toEqual([
        'NT AUTHORITY\\SYSTEM',
        'BUILTIN\\Administrators',
        'NT AUTHORITY\\NETWORK SERVICE',
        'NT SERVICE\\MicrosoftDynamicsNavServer$VIRT',
        'CONTOSO\\svc-bc',
      ]);
      const notFound = r['notFound'] as { code: number; text: string };
      expect(notFound.code).not.toBe(0);
      expect(notFound.text).toContain(
        'CertUtil: -store command FAILED: 0x80092004 (-2146885628 CRYPT_E_NOT_FOUND)',
      );
      expect(r['ecFile']).toBe(true);
      expect(r['deleted']).toEqual({ code: 0, present: false });
      expect(r['label']).toBe('S-1-16-12288');
      expect(r['user']).toBe('bc01\\administrator');
      expect(r['plainLabel']).toBe('S-1-16-8192');
      // Each native tool is a Node process: a dozen of them on a loaded two-core machine.
    },
    PWSH_BUDGET_MS + 5_000,
  );
});
