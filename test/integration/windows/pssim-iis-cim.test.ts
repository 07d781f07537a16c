// The simulated IIS (WebAdministration, IISAdministration) and CIM classes, driven by real
// PowerShell 7: bindings read their certificate from the http.sys table, AddSslCertificate
// writes it as IIS does and fails on an endpoint already bound, started sites register their
// https bindings with http.sys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestPki, type Issued } from '../../lab/pki.js';
import { writeBcInstance, writeService } from '../../lab/windows/bc.js';
import { PWSH_BUDGET_MS, SimRoot, runPwsh } from '../../lab/windows/pwsh-local.js';
import { writeStoreCert } from '../../lab/windows/store.js';

const IIS_APPID = '{4dc3e181-e14b-4a21-b022-59fc669b0914}';

interface SslEntry {
  type: string;
  endpoint: string;
  certhash: string | null;
  appid: string;
  certstorename: string | null;
}

describe('the simulated IIS and CIM', () => {
  let pki: TestPki;
  let oldCert: Issued;
  let newCert: Issued;
  let sim: SimRoot;

  beforeAll(() => {
    pki = TestPki.create();
    const root = pki.root();
    oldCert = pki.issue({ cn: 'www.contoso.com', sans: ['www.contoso.com'] }, root);
    newCert = pki.issue({ cn: 'shop.contoso.com', sans: ['shop.contoso.com'] }, root);
    sim = SimRoot.create({ build: '2016' });
    writeStoreCert(sim, oldCert);
    writeStoreCert(sim, newCert, { store: 'WebHosting' });
    sim.writeJson('iis/applicationHost.json', {
      sites: [
        {
          name: 'Default Web Site',
          id: 1,
          state: 'Started',
          bindings: [
            { protocol: 'http', bindingInformation: '*:80:', sslFlags: 0 },
            { protocol: 'https', bindingInformation: '*:443:', sslFlags: 0 },
          ],
        },
        {
          name: 'shop',
          id: 2,
          state: 'Started',
          bindings: [
            { protocol: 'https', bindingInformation: '*:443:shop.contoso.com', sslFlags: 1 },
          ],
        },
        {
          name: 'ccs',
          id: 3,
          state: 'Stopped',
          bindings: [
            { protocol: 'https', bindingInformation: '*:8443:ccs.contoso.com', sslFlags: 3 },
          ],
        },
      ],
    });
    sim.writeJson('httpsys/sslcert.json', {
      bindings: [
        {
          type: 'ipport',
          endpoint: '0.0.0.0:443',
          certhash: oldCert.thumbprint,
          appid: IIS_APPID,
          certstorename: 'My',
        },
      ],
    });
    sim.writeJson('httpsys/listeners.json', { listeners: [] });
    writeService(sim, {
      name: 'W3SVC',
      displayName: 'World Wide Web Publishing Service',
      status: 'Stopped',
      startName: 'LocalSystem',
      startDelayMs: 0,
      kind: 'iis',
    });
    writeBcInstance(sim, {
      instance: 'BC240',
      startName: 'NT AUTHORITY\\NetworkService',
      version: '23.0.12034.0',
    });
  });
  afterAll(() => {
    pki.cleanup();
    sim.remove();
  });

  it(
    'reads, adds and removes IIS certificate bindings through http.sys and registers started sites',
    async () => {
      const script = String.raw`
Import-Module WebAdministration, IISAdministration
$r = [ordered]@{}
function Listeners { @((Get-Content -Raw ($env:CERTROLL_WINSIM + '/httpsys/listeners.json') | ConvertFrom-Json).listeners | ForEach-Object { $_.owner + '@' + $_.address + ':' + $_.port }) }
$r.sites = @(Get-Website | ForEach-Object { $_.name + '=' + $_.state })
$b = Get-WebBinding -Name 'Default Web Site' -Protocol https
$r.default = [ordered]@{ info = $b.bindingInformation; sslFlags = $b.sslFlags; hash = $b.certificateHash; store = $b.certificateStoreName }
try { $b.AddSslCertificate($env:NEW, 'WebHosting'); $r.rebind = 'bound' } catch { $r.rebind = $_.Exception.InnerException.Message }
$shop = Get-WebBinding -Name shop -Protocol https -Port 443 -HostHeader shop.contoso.com
$r.shopBefore = $shop.certificateHash
$shop.AddSslCertificate($env:NEW, 'WebHosting')
$r.shopAfter = (Get-WebBinding -Name shop -Protocol https).certificateHash
try { (Get-WebBinding -Name ccs).AddSslCertificate($env:NEW, 'My') } catch { $r.ccs = $_.Exception.InnerException.Message }
$r.iisSite = [ordered]@{ flags = (Get-IISSite -Name shop).Bindings[0].SslFlags; hash = [Convert]::ToHexString((Get-IISSite -Name shop).Bindings[0].CertificateHash) }
$r.listenersStopped = @(Listeners)
Start-Service W3SVC
$r.listenersStarted = @(Listeners)
New-WebBinding -Name shop -Protocol https -Port 8444 -IPAddress 127.0.0.1 -HostHeader '' -SslFlags 0
try { New-WebBinding -Name shop -Protocol https -Port 8444 -IPAddress 127.0.0.1 -ErrorAction Stop } catch { $r.duplicate = $_.Exception.Message }
try { (Get-WebBinding -Name shop -Port 8444).AddSslCertificate('00' * 20, 'My') } catch { $r.missingCert = $_.Exception.InnerException.Message }
Stop-Website -Name 'Default Web Site'
$r.listenersAfter = @(Listeners)
New-WebBinding -Name ccs -Protocol https -Port 9443 -HostHeader 'ccs2.contoso.com' -SslFlags 3
$r.ccsEntry = @((Get-Content -Raw ($env:CERTROLL_WINSIM + '/httpsys/sslcert.json') | ConvertFrom-Json).bindings | Where-Object { $_.type -eq 'ccs' } | ForEach-Object { $_.endpoint })
Remove-WebBinding -Name ccs -Protocol https -Port 9443 -HostHeader 'ccs2.contoso.com'
(Get-WebBinding -Name shop -Port 443).RemoveSslCertificate()
$r.removed = (Get-WebBinding -Name shop -Port 443).certificateHash
$svc = Get-CimInstance -ClassName Win32_Service -Filter ("Name='MicrosoftDynamicsNavServer" + '$BC240' + "'")
$r.cimService = [ordered]@{ Name = $svc.Name; StartName = $svc.StartName; State = $svc.State; ProcessId = $svc.ProcessId; PathName = $svc.PathName }
$os = Get-CimInstance -ClassName Win32_OperatingSystem
$r.os = [ordered]@{ Caption = $os.Caption; Version = $os.Version; BuildNumber = $os.BuildNumber }
try { Get-CimInstance -ClassName Win32_Nothing -ErrorAction Stop } catch { $r.badClass = $_.Exception.Message }
$r | ConvertTo-Json -Depth 4 -Compress
`;
      const res = await runPwsh(sim, `$env:NEW = '${newCert.thumbprint}'\n${script}`, {
        timeoutMs: PWSH_BUDGET_MS,
      });
      expect(res.stderr).toBe('');
      const r = JSON.parse(res.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
      const logon =
        'A specified logon session does not exist. It may already have been terminated. (Exception from HRESULT: 0x80070520)';
      expect(r['sites']).toEqual(['Default Web Site=Started', 'shop=Started', 'ccs=Stopped']);
      expect(r['default']).toEqual({
        info: '*:443:',
        sslFlags: 0,
        hash: oldCert.thumbprint,
        store: 'My',
      });
      expect(r['rebind']).toBe(logon);
      expect(r['shopBefore']).toBe('');
      expect(r['shopAfter']).toBe(newCert.thumbprint);
      expect(r['ccs']).toMatch(/Central Certificate Store/);
      expect(r['iisSite']).toEqual({ flags: 'Sni', hash: newCert.thumbprint });
      expect(r['listenersStopped']).toEqual([]);
      expect(r['listenersStarted']).toEqual([
        'IIS:Default Web Site@0.0.0.0:443',
        'IIS:shop@0.0.0.0:443',
      ]);
      expect(r['duplicate']).toBe(
        "Cannot add duplicate collection entry of type 'binding' with combined key attributes 'protocol, bindingInformation' respectively set to 'https, 127.0.0.1:8444:'",
      );
      expect(r['missingCert']).toBe(logon);
      expect(r['listenersAfter']).toEqual(['IIS:shop@0.0.0.0:443', 'IIS:shop@127.0.0.1:8444']);
      expect(r['ccsEntry']).toEqual(['9443']);
      expect(r['removed']).toBe('');
      expect(r['cimService']).toEqual({
        Name: 'MicrosoftDynamicsNavServer$BC240',
        StartName: 'NT AUTHORITY\\NetworkService',
        State: 'Stopped',
        ProcessId: 0,
        PathName:
          '"C:\\Program Files\\Microsoft Dynamics 365 Business Central\\230\\Service\\Microsoft.Dynamics.Nav.Server.exe" $BC240 /config "C:\\Program Files\\Microsoft Dynamics 365 Business Central\\230\\Service\\Instances\\BC240\\BC240.config"',
      });
      expect(r['os']).toEqual({
        Caption: 'Microsoft Windows Server 2016 Standard',
        Version: '10.0.14393',
        BuildNumber: '14393',
      });
      expect(r['badClass']).toBe('Invalid class ');
      const table = sim.readJson<{ bindings: SslEntry[] }>('httpsys/sslcert.json').bindings;
      expect(table).toEqual([
        {
          type: 'ipport',
          endpoint: '0.0.0.0:443',
          certhash: oldCert.thumbprint,
          appid: IIS_APPID,
          certstorename: 'My',
        },
      ]);
    },
    PWSH_BUDGET_MS + 5_000,
  );
});
