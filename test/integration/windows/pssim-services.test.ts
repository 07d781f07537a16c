// The simulated generic Windows service, driven by real PowerShell 7: Get-Service / Restart-Service
// / Stop-Service with Windows PowerShell's texts and error ids, a start delay, and a service with
// its own TLS listener that loads the certificate http.sys binds to an ipport at start (failing
// to start, as on Windows, when its account cannot read the key).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestPki, type Issued } from '../../lab/pki.js';
import { writeService } from '../../lab/windows/bc.js';
import { PWSH_BUDGET_MS, SimRoot, runPwsh } from '../../lab/windows/pwsh-local.js';
import { writeStoreCert } from '../../lab/windows/store.js';

interface Listener {
  owner: string;
  address: string;
  port: number;
  certhash?: string;
  certstorename?: string;
}

// One pwsh for the file: its start is most of the cost.
const SCRIPT = String.raw`
$r = [ordered]@{}
function Listeners { @((Get-Content -Raw ($env:CERTROLL_WINSIM + '/httpsys/listeners.json') | ConvertFrom-Json).listeners) }
try { Get-Service -Name NoSuchService -ErrorAction Stop } catch { $r.unknown = [ordered]@{ message = $_.Exception.Message; id = $_.FullyQualifiedErrorId } }
$s = Get-Service -Name ContosoTlsGateway
$r.before = [ordered]@{ status = [string]$s.Status; type = $s.PSObject.TypeNames[0] }
$t0 = [DateTime]::UtcNow
Restart-Service -Name ContosoTlsGateway -Force -WarningVariable w -WarningAction SilentlyContinue
$r.restartMs = ([DateTime]::UtcNow - $t0).TotalMilliseconds
$r.warnings = @($w | ForEach-Object { [string]$_ })
$r.after = [string](Get-Service ContosoTlsGateway).Status
$r.listenersRunning = @(Listeners)
# The http.sys binding now names a certificate whose key NETWORK SERVICE may not read.
$doc = Get-Content -Raw ($env:CERTROLL_WINSIM + '/httpsys/sslcert.json') | ConvertFrom-Json -AsHashtable
$doc.bindings[0].certhash = '__NEW_THUMB__'
$doc | ConvertTo-Json -Depth 5 | Set-Content ($env:CERTROLL_WINSIM + '/httpsys/sslcert.json')
# A quick start this time: the failure is still seen only when the cmdlet's 2 s wait runs out.
$svc = Get-Content -Raw ($env:CERTROLL_WINSIM + '/services/ContosoTlsGateway.json') | ConvertFrom-Json -AsHashtable
$svc.startDelayMs = 100
$svc | ConvertTo-Json | Set-Content ($env:CERTROLL_WINSIM + '/services/ContosoTlsGateway.json')
$t0 = [DateTime]::UtcNow
try { Restart-Service -Name ContosoTlsGateway -Force -ErrorAction Stop; $r.failed = $null } catch {
  $r.failed = [ordered]@{ message = $_.Exception.Message; id = $_.FullyQualifiedErrorId; category = [string]$_.CategoryInfo.Category; target = $_.TargetObject.Name }
}
$r.failMs = ([DateTime]::UtcNow - $t0).TotalMilliseconds
$rec = Get-Content -Raw ($env:CERTROLL_WINSIM + '/services/ContosoTlsGateway.json') | ConvertFrom-Json
$r.failedStatus = [string](Get-Service ContosoTlsGateway).Status
$r.lastError = $rec.lastError
$r.listenersFailed = @(Listeners)
try { Start-Service -Name Broken -ErrorAction Stop } catch { $r.broken = $_.Exception.Message }
$r | ConvertTo-Json -Depth 6 -Compress
`;

describe('the simulated generic Windows service', () => {
  let pki: TestPki;
  let sim: SimRoot;
  let oldLeaf: Issued;
  let newLeaf: Issued;
  let r: Record<string, unknown>;
  let stderr: string;

  beforeAll(async () => {
    pki = TestPki.create();
    const root = pki.root();
    oldLeaf = pki.issue({ cn: 'gw.contoso.com' }, root);
    newLeaf = pki.issue({ cn: 'gw.contoso.com' }, root);
    sim = SimRoot.create();
    const acl = [
      'NT AUTHORITY\\SYSTEM',
      'BUILTIN\\Administrators',
      'NT AUTHORITY\\NETWORK SERVICE',
    ];
    writeStoreCert(sim, oldLeaf, { meta: { keyAcl: acl } });
    writeStoreCert(sim, newLeaf);
    sim.writeJson('httpsys/sslcert.json', {
      bindings: [
        {
          type: 'ipport',
          endpoint: '0.0.0.0:8443',
          certhash: oldLeaf.thumbprint,
          appid: '{00000000-0000-0000-0000-000000000001}',
          certstorename: 'My',
        },
      ],
    });
    writeService(sim, {
      name: 'ContosoTlsGateway',
      displayName: 'Contoso TLS Gateway',
      status: 'Running',
      startName: 'NT AUTHORITY\\NetworkService',
      startDelayMs: 3500,
      kind: 'generic',
      ports: [9443],
      certificateFrom: '0.0.0.0:8443',
    });
    writeService(sim, {
      name: 'Broken',
      status: 'Stopped',
      startName: 'LocalSystem',
      startDelayMs: 0,
      kind: 'generic',
      failStart: 'The Broken service terminated with the following error: Access is denied.',
    });
    const script = SCRIPT.replace('__NEW_THUMB__', newLeaf.thumbprint);
    const res = await runPwsh(sim, script, { timeoutMs: PWSH_BUDGET_MS });
    stderr = res.stderr;
    r = JSON.parse(res.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  }, PWSH_BUDGET_MS + 5_000);
  afterAll(() => {
    pki.cleanup();
    sim.remove();
  });

  it('answers an unknown name as Windows PowerShell does', () => {
    expect(stderr).toBe('');
    expect(r['unknown']).toEqual({
      message: "Cannot find any service with service name 'NoSuchService'.",
      id: expect.stringMatching(
        /^NoServiceFoundForGivenName,Microsoft\.PowerShell\.Commands\.GetServiceCommand/,
      ) as unknown,
    });
    expect(r['before']).toEqual({
      status: 'Running',
      type: 'System.ServiceProcess.ServiceController',
    });
  });

  it('restarts after its start delay, warning while StartPending, and serves the certificate it loaded', () => {
    expect(r['restartMs']).toBeGreaterThanOrEqual(3400);
    // One warning per 2 s still StartPending: at 2 s for sure, at 4 s on a loaded machine.
    const warnings = r['warnings'] as string[];
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    for (const w of warnings)
      expect(w).toBe("Waiting for service 'Contoso TLS Gateway (ContosoTlsGateway)' to start...");
    expect(r['after']).toBe('Running');
    expect(r['listenersRunning']).toEqual([
      {
        owner: 'SVC:ContosoTlsGateway',
        address: '0.0.0.0',
        port: 9443,
        certhash: oldLeaf.thumbprint,
        certstorename: 'My',
      },
    ] satisfies Listener[]);
  });

  it('fails to start on a certificate its account cannot read: StartServiceFailed, stopped, its port gone', () => {
    expect(r['failed']).toEqual({
      message: "Failed to start service 'Contoso TLS Gateway (ContosoTlsGateway)'.",
      id: expect.stringMatching(
        /^StartServiceFailed,Microsoft\.PowerShell\.Commands\.RestartServiceCommand/,
      ) as unknown,
      category: 'OpenError',
      target: 'ContosoTlsGateway',
    });
    // Noticed when the cmdlet's 2 s wait runs out, as on Windows, not before.
    expect(r['failMs']).toBeGreaterThanOrEqual(1900);
    expect(r['failedStatus']).toBe('Stopped');
    expect(r['lastError']).toMatch(
      new RegExp(
        `Keyset does not exist \\(the private key of ${newLeaf.thumbprint}, read as NT AUTHORITY\\\\NetworkService\\)`,
      ),
    );
    expect(r['listenersFailed']).toEqual([]);
    expect(r['broken']).toBe("Failed to start service 'Broken (Broken)'.");
  });
});
