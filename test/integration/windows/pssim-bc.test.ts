// The simulated Business Central service tier, driven by real PowerShell 7: the NAV admin
// cmdlets over CustomSettings.config, and the service start that refuses a certificate BC cannot
// use, registering the SSL ports with http.sys only when the instance runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { P256, TestPki, daysFromNow, type Issued } from '../../lab/pki.js';
import { writeBcInstance, writeService } from '../../lab/windows/bc.js';
import { PWSH_BUDGET_MS, SimRoot, runPwsh } from '../../lab/windows/pwsh-local.js';
import { writeStoreCert } from '../../lab/windows/store.js';

interface Listener {
  owner: string;
  address: string;
  port: number;
}

// One pwsh process for the file (its start is most of the cost): the service starts first,
// then the NAV cmdlets on the instance left running.
const SCRIPT = String.raw`
$all = [ordered]@{}
$r = [ordered]@{}
function Try-Start([string] $instance) {
  $name = 'MicrosoftDynamicsNavServer$' + $instance
  try { Start-Service -Name $name -ErrorAction Stop; $err = $null } catch { $err = $_ }
  $rec = Get-Content -Raw ($env:CERTROLL_WINSIM + '/services/' + $name + '.json') | ConvertFrom-Json
  [ordered]@{
    status = [string](Get-Service -Name $name).Status
    error = $(if ($err) { $err.Exception.Message } else { $null })
    errorId = $(if ($err) { $err.FullyQualifiedErrorId } else { $null })
    inner = $(if ($err) { $err.Exception.InnerException.InnerException.Message } else { $null })
    lastError = $rec.lastError
  }
}
function Listeners { @((Get-Content -Raw ($env:CERTROLL_WINSIM + '/httpsys/listeners.json') | ConvertFrom-Json).listeners) }
foreach ($i in @('BC240', 'MISSING', 'EXPIRED', 'NOKEY', 'NOACL', 'SIGKEY', 'ECKEY')) { $r[$i] = Try-Start $i }
$r.afterStart = Listeners
Stop-Service -Name 'MicrosoftDynamicsNavServer$BC240'
$r.stopped = [string](Get-Service 'MicrosoftDynamicsNavServer$BC240').Status
$r.afterStop = Listeners
# A start left pending by a process that went away completes on the next read.
$p = Get-Content -Raw ($env:CERTROLL_WINSIM + '/services/Pending.json') | ConvertFrom-Json -AsHashtable
$p.status = 'StartPending'; $p.pendingUntil = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() + 3000
$p | ConvertTo-Json | Set-Content ($env:CERTROLL_WINSIM + '/services/Pending.json')
$r.pending = @([string](Get-Service Pending).Status)
$left = $p.pendingUntil - [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
if ($left -gt 0) { Start-Sleep -Milliseconds ($left + 100) }
$r.pending += [string](Get-Service Pending).Status
$all.starts = $r
Import-Module Microsoft.Dynamics.Nav.Management -DisableNameChecking
$r = [ordered]@{}
$i = Get-NAVServerInstance -ServerInstance BC241
$r.instance = [ordered]@{ ServerInstance = $i.ServerInstance; DisplayName = $i.DisplayName; State = $i.State; ServiceAccount = $i.ServiceAccount; Version = $i.Version }
$r.count = @(Get-NAVServerInstance).Count
$r.soap = Get-NAVServerConfiguration -ServerInstance BC241 -KeyName SOAPServicesPort
$x = Get-NAVServerConfiguration -ServerInstance 'MicrosoftDynamicsNavServer$BC241' -AsXml
$r.xmlThumb = ($x.configuration.appSettings.add | Where-Object { $_.key -eq 'ServicesCertificateThumbprint' }).value
$r.pairs = @(Get-NAVServerConfiguration -ServerInstance BC241 | Where-Object { $_.key -like 'OData*' } | ForEach-Object { $_.key + '=' + $_.value })
Set-NAVServerConfiguration -ServerInstance BC241 -KeyName ServicesCertificateThumbprint -KeyValue 'ABCD' -WarningVariable w -WarningAction SilentlyContinue
$r.warning = [string]$w[0]
$r.after = Get-NAVServerConfiguration -ServerInstance BC241 -KeyName ServicesCertificateThumbprint
try { Set-NAVServerConfiguration -ServerInstance BC241 -KeyName SOAPServicesPortt -KeyValue 1 -ErrorAction Stop } catch { $r.unknown = $_.Exception.Message }
try { Get-NAVServerConfiguration -ServerInstance NOPE -ErrorAction Stop } catch { $r.noInstance = $_.Exception.Message }
# The restart now fails (the thumbprint names no certificate): stopped, and the ports are gone.
try { Restart-Service -Name 'MicrosoftDynamicsNavServer$BC241' -Force -ErrorAction Stop } catch { $r.restart = $_.FullyQualifiedErrorId }
$r.state = (Get-NAVServerInstance BC241).State
$all.nav = $r
$all | ConvertTo-Json -Depth 6 -Compress
`;

describe('the simulated Business Central service tier', () => {
  let pki: TestPki;
  let sim: SimRoot;
  let results: Record<string, unknown>;
  let stderr: string;
  const certs: Record<string, Issued> = {};

  beforeAll(async () => {
    pki = TestPki.create();
    const root = pki.root();
    certs['good'] = pki.issue({ cn: 'bc.contoso.com', sans: ['bc.contoso.com'] }, root);
    certs['expired'] = pki.issue(
      { cn: 'old.contoso.com', notBefore: daysFromNow(-30), notAfter: daysFromNow(-1) },
      root,
    );
    certs['nokey'] = pki.issue({ cn: 'nokey.contoso.com' }, root);
    certs['sig'] = pki.issue({ cn: 'sig.contoso.com' }, root);
    certs['ec'] = pki.issue({ cn: 'ec.contoso.com', key: P256 }, root);
    sim = SimRoot.create();
    writeStoreCert(sim, certs['good']);
    writeStoreCert(sim, certs['expired']);
    writeStoreCert(sim, certs['nokey'], { withKey: false });
    writeStoreCert(sim, certs['sig'], { meta: { keySpec: 'signature' } });
    writeStoreCert(sim, certs['ec']);
    const local = 'LocalSystem';
    writeBcInstance(sim, {
      instance: 'BC240',
      index: 0,
      thumbprint: certs['good'].thumbprint,
      startName: local,
    });
    writeBcInstance(sim, {
      instance: 'BC241',
      index: 1,
      thumbprint: certs['good'].thumbprint,
      startName: local,
      status: 'Running',
    });
    writeBcInstance(sim, {
      instance: 'MISSING',
      index: 2,
      thumbprint: 'AB'.repeat(20),
      startName: local,
    });
    writeBcInstance(sim, {
      instance: 'EXPIRED',
      index: 3,
      thumbprint: certs['expired'].thumbprint,
      startName: local,
    });
    writeBcInstance(sim, {
      instance: 'NOKEY',
      index: 4,
      thumbprint: certs['nokey'].thumbprint,
      startName: local,
    });
    writeBcInstance(sim, { instance: 'NOACL', index: 5, thumbprint: certs['good'].thumbprint });
    writeBcInstance(sim, {
      instance: 'SIGKEY',
      index: 6,
      thumbprint: certs['sig'].thumbprint,
      startName: local,
    });
    writeBcInstance(sim, {
      instance: 'ECKEY',
      index: 7,
      thumbprint: certs['ec'].thumbprint,
      startName: local,
    });
    writeService(sim, {
      name: 'Pending',
      status: 'Stopped',
      startName: local,
      startDelayMs: 0,
      kind: 'generic',
    });
    const res = await runPwsh(sim, SCRIPT, { timeoutMs: PWSH_BUDGET_MS });
    stderr = res.stderr;
    results = JSON.parse(res.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  }, PWSH_BUDGET_MS + 5_000);
  afterAll(() => {
    pki.cleanup();
    sim.remove();
  });

  it('starts an instance whose certificate it can use, refuses each one it cannot, and registers SSL ports only while running', () => {
    expect(stderr).toBe('');
    const r = results['starts'] as Record<string, unknown>;
    const good = certs['good']!;
    expect(r['BC240']).toEqual({
      status: 'Running',
      error: null,
      errorId: null,
      inner: null,
      lastError: null,
    });
    const cannotStart = (instance: string) =>
      `Service 'Microsoft Dynamics 365 Business Central Server [${instance}] (MicrosoftDynamicsNavServer$${instance})' cannot be started due to the following error: Cannot start service MicrosoftDynamicsNavServer$${instance} on computer '.'.`;
    const refusals: Record<string, RegExp> = {
      MISSING: /could not be found in the 'My' store of 'LocalMachine'/,
      EXPIRED: /expired on/,
      NOKEY: /must have a private key/,
      NOACL: /may not have access rights for the private key\. ---> .*Keyset does not exist$/,
      SIGKEY: /capable of key exchange.*Invalid provider type specified\.$/,
      ECKEY: /capable of key exchange.*Invalid provider type specified\.$/,
    };
    for (const [instance, reason] of Object.entries(refusals)) {
      const got = r[instance] as Record<string, string>;
      expect(got['status'], instance).toBe('Stopped');
      expect(got['error'], instance).toBe(cannotStart(instance));
      expect(got['errorId'], instance).toMatch(
        // A function's error id gets ",<command name>" appended after the cmdlet's own.
        /^CouldNotStartService,Microsoft\.PowerShell\.Commands\.StartServiceCommand(,Start-Service)?$/,
      );
      expect(got['lastError'], instance).toMatch(reason);
      expect(got['inner'], instance).toBe(got['lastError']);
    }
    const afterStart = r['afterStart'] as Listener[];
    expect(afterStart).toEqual(
      expect.arrayContaining([
        { owner: 'BC:BC240', address: '0.0.0.0', port: 7047 },
        { owner: 'BC:BC240', address: '0.0.0.0', port: 7048 },
        { owner: 'BC:BC241', address: '0.0.0.0', port: 7147 },
        { owner: 'BC:BC241', address: '0.0.0.0', port: 7148 },
      ]),
    );
    expect(afterStart).toHaveLength(4);
    expect(r['stopped']).toBe('Stopped');
    expect(r['afterStop']).toEqual([
      { owner: 'BC:BC241', address: '0.0.0.0', port: 7147 },
      { owner: 'BC:BC241', address: '0.0.0.0', port: 7148 },
    ]);
    expect(r['pending']).toEqual(['StartPending', 'Running']);
    expect(good.thumbprint).toMatch(/^[0-9A-F]{40}$/);
  });

  it('reads and writes CustomSettings.config through the NAV cmdlets, refusing an unknown key', () => {
    const r = results['nav'] as Record<string, unknown>;
    expect(r['instance']).toEqual({
      ServerInstance: 'MicrosoftDynamicsNavServer$BC241',
      DisplayName: 'Microsoft Dynamics 365 Business Central Server [BC241]',
      State: 'Running',
      ServiceAccount: 'NT AUTHORITY\\SYSTEM',
      Version: '24.0.16410.0',
    });
    expect(r['count']).toBe(8);
    expect(r['soap']).toBe('7147');
    expect(r['xmlThumb']).toBe(certs['good']!.thumbprint);
    expect(r['pairs']).toEqual([
      'ODataServicesPort=7148',
      'ODataServicesEnabled=true',
      'ODataServicesSSLEnabled=true',
    ]);
    expect(r['warning']).toBe(
      'The new settings value will not take effect until you stop and restart the service.',
    );
    expect(r['after']).toBe('ABCD');
    expect(sim.readText('bc/BC241/CustomSettings.config')).toContain(
      '<add key="ServicesCertificateThumbprint" value="ABCD" />',
    );
    expect(sim.readText('bc/BC241/CustomSettings.config')).toMatch(
      /^<\?xml version="1.0" encoding="utf-8"\?>/,
    );
    expect(r['unknown']).toBe("The configuration setting 'SOAPServicesPortt' does not exist.");
    expect(r['noInstance']).toBe(
      "The requested service instance 'MicrosoftDynamicsNavServer$NOPE' does not exist.",
    );
    expect(r['restart']).toMatch(
      /^CouldNotStartService,Microsoft\.PowerShell\.Commands\.RestartServiceCommand(,Restart-Service)?$/,
    );
    expect(r['state']).toBe('Stopped');
    const listeners = sim.readJson<{ listeners: Listener[] }>('httpsys/listeners.json').listeners;
    expect(listeners.filter((l) => l.owner === 'BC:BC241')).toEqual([]);
  });
});
