// Every script certroll sends to a Windows host must run in Windows PowerShell 5.1, which is not
// here: PowerShell 7's parser and an AST walk (test/lab/windows/ps51-check.ps1) stand in for it.
// Each rule has a sample that trips it, a 5.1 script using the near misses trips none, and the
// scripts certroll renders today are checked: the generic ones in src/ and the playbooks listed.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPlaybooks } from '../../../src/playbooks/load.js';
import { renderStep } from '../../../src/playbooks/render.js';
import { STEP_NAMES } from '../../../src/playbooks/schema.js';
import { PS_LOCK_ACQUIRE, PS_LOCK_RELEASE } from '../../../src/shell/host-lock.js';
import { PS_PUT_FILE, PS_REMOVE } from '../../../src/shell/powershell-files.js';
import { PS_PRELUDE, PS_READ_INPUT } from '../../../src/shell/powershell.js';
import { WINDOWS_DISCOVER_SCRIPT } from '../../../src/discover/windows/script.js';
import { WINDOWS_FACTS_SCRIPT } from '../../../src/shell/windows-facts.js';
import { PWSH_REMOTING_WRAPPER } from '../../../src/transport/powershell/remoting-wrapper.js';
import { checkPs51, type Ps51Report } from '../../lab/windows/ps51-check.js';
import { VARIANTS, windowsContext } from '../../unit/playbooks/windows-context.js';

/** One script per rule that only a 7.x host (or .NET 5+) runs. */
const SAMPLES: Readonly<Record<string, string>> = {
  'parse-error': 'if ($a) { 1',
  'null-coalescing': '$x = $a ?? 1',
  'null-conditional': '${a}?.Name',
  ternary: '$x = $a ? 1 : 2',
  'pipeline-chain': 'netsh.exe http show sslcert && Write-Output ok',
  'background-operator': 'Start-Sleep 1 &',
  'clean-block': 'function f { process { 1 } clean { 2 } }',
  'unicode-escape': '"`u{2013}"',
  'replace-scriptblock': "'a-b' -replace '-', { '+' }",
  'numeric-literal': '$n = 10u',
  'ps7-variable': 'if ($IsWindows) { 1 }',
  'ps7-cmdlet': "'{}' | Test-Json",
  'ps7-parameter': '$d = [Console]::In.ReadToEnd() | ConvertFrom-Json -AsHashtable',
  'ps7-encoding': 'Set-Content -LiteralPath x -Value y -Encoding utf8NoBOM',
  'join-path-extra-child': "Join-Path $env:ProgramData 'certroll' 'staging'",
  'net-static-member': '[Convert]::ToHexString($bytes)',
  'net-instance-member': '$rsa.ImportFromPem($pem)',
  'net-type': '[System.Text.Json.JsonSerializer]::Serialize($x)',
  'net-overload': "[string]::Join([char]',', $items)",
  'split-string-separator': "$parts = $line.Split(': ')",
};

/** More 7-only constructs, each of which must be found (rule per sample). */
const MORE: readonly [rule: string, text: string][] = [
  ['null-coalescing', '$x ??= 1'],
  ['null-conditional', '${a}?[0]'],
  ['pipeline-chain', 'Get-Item x || Write-Output missing'],
  ['numeric-literal', '$n = 0b1010'],
  ['ps7-variable', '$PSStyle.OutputRendering'],
  ['ps7-cmdlet', 'Get-Error'],
  ['ps7-parameter', '1..3 | ForEach-Object -Parallel { $_ }'],
  ['ps7-parameter', '1..3 | % -Parallel { $_ } -ThrottleLimit 2'],
  ['ps7-parameter', 'Get-Content -LiteralPath x -AsByteStream'],
  ['ps7-parameter', 'Set-Content -LiteralPath x -Value $b -AsByteStream'],
  ['ps7-parameter', '$j | ConvertFrom-Json -Depth 10'],
  ['ps7-parameter', '$x | ConvertTo-Json -EscapeHandling EscapeNonAscii'],
  ['ps7-parameter', 'Join-Path a b -AdditionalChildPath c'],
  ['ps7-parameter', 'Invoke-WebRequest https://x -SkipCertificateCheck'],
  ['ps7-encoding', "'x' | Out-File -FilePath y -Encoding utf8NoBOM"],
  ['net-static-member', '[IO.File]::ReadAllTextAsync($p)'],
  ['net-static-member', '[System.Security.Cryptography.RandomNumberGenerator]::GetBytes(32)'],
  [
    'net-static-member',
    '[Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem($c, $k)',
  ],
  ['net-instance-member', '$c2 = $cert.CopyWithPrivateKey($rsa)'],
  ['net-instance-member', '$k.ImportPkcs8PrivateKey($bytes, [ref]$n)'],
  ['net-overload', '[IO.File]::Move($a, $b, $true)'],
];

/** Windows PowerShell 5.1 code near each rule: none of it may be reported. */
const CLEAN_51 = [
  'using namespace System.IO',
  '$d = [Console]::In.ReadToEnd() | ConvertFrom-Json',
  'Get-ChildItem -Path C:\\x | Select-Object -Skip 1 -First 2 | Sort-Object Name',
  "Join-Path -Path (Join-Path $env:ProgramData 'certroll') -ChildPath 'x' -Resolve",
  "$parts = $line.Split(':'); $b = [Convert]::FromBase64String($s); [IO.File]::Move($a, $b)",
  '$r = [Security.Cryptography.RandomNumberGenerator]::Create(); $buf = New-Object byte[] 32; $r.GetBytes($buf)',
  "$x = if ($a) { 1 } else { 2 }; 'a' -replace 'b', 'c'; $t = [string]::Join(',', $items)",
  'Set-Content -LiteralPath x -Value y -Encoding UTF8; $n = 10l + 1kb + 0x1F',
  'class Foo { [int]$A }',
  '${a?}.Name',
  '1..3 | ForEach-Object -Process { $_ } -Begin { 0 }',
  '$s = "a`tb $($x.Name)"',
].join('\n');

const registry = loadPlaybooks();
const windowsKinds = registry.kinds.filter((k) => registry.get(k).shell === 'powershell');

/**
 * The playbooks whose rendered steps are checked, by name: all four built-in Windows kinds pass
 * today. A new Windows playbook is added here when it is written (the last test says so).
 */
const CHECKED_PLAYBOOKS: readonly string[] = [
  'bc-service-tier',
  'iis',
  'netsh-http',
  'windows-service',
];

function playbookScripts(kinds: readonly string[]): { name: string; text: string }[] {
  return kinds.flatMap((kind) =>
    STEP_NAMES.filter((s) => registry.get(kind).steps[s] !== undefined).map((step) => ({
      name: `playbooks/${kind}.yaml ${step}`,
      text: renderStep(registry.get(kind), step, windowsContext(kind, VARIANTS[0]!, true)).script,
    })),
  );
}

/** The generic scripts certroll sends to every Windows host, by the file that defines them. */
const SRC_SCRIPTS = [
  { name: 'src/shell/powershell.ts PS_PRELUDE', text: PS_PRELUDE },
  { name: 'src/shell/powershell.ts PS_READ_INPUT', text: PS_READ_INPUT },
  { name: 'src/shell/host-lock.ts PS_LOCK_ACQUIRE', text: PS_LOCK_ACQUIRE },
  { name: 'src/shell/host-lock.ts PS_LOCK_RELEASE', text: PS_LOCK_RELEASE },
  { name: 'src/shell/powershell-files.ts PS_PUT_FILE', text: PS_PUT_FILE },
  { name: 'src/shell/powershell-files.ts PS_REMOVE', text: PS_REMOVE },
  { name: 'src/discover/windows/script.ts', text: WINDOWS_DISCOVER_SCRIPT },
  { name: 'src/shell/windows-facts.ts', text: WINDOWS_FACTS_SCRIPT },
  { name: 'src/transport/powershell/remoting-wrapper.ts', text: PWSH_REMOTING_WRAPPER },
];

let report: Ps51Report;
const findings = (name: string) => report.results.find((r) => r.name === name)?.findings ?? [];
const rulesOf = (name: string) => [...new Set(findings(name).map((f) => f.rule))];

beforeAll(async () => {
  report = await checkPs51([
    ...Object.entries(SAMPLES).map(([rule, text]) => ({ name: `sample ${rule}`, text })),
    ...MORE.map(([rule, text], i) => ({ name: `more ${i} ${rule}`, text })),
    { name: 'clean', text: CLEAN_51 },
    ...SRC_SCRIPTS,
    ...playbookScripts(windowsKinds),
  ]);
}, 60_000);

describe('the Windows PowerShell 5.1 compatibility check', () => {
  it('has a sample for every rule and a rule for every sample', () => {
    expect(report.rules.map((r) => r.id).sort()).toEqual(Object.keys(SAMPLES).sort());
  });

  it.each(Object.keys(SAMPLES))('rule %s trips on its sample, with line and column', (rule) => {
    const hit = findings(`sample ${rule}`).find((f) => f.rule === rule);
    expect(hit, JSON.stringify(findings(`sample ${rule}`))).toBeDefined();
    expect(hit!.line).toBe(1);
    expect(hit!.column).toBeGreaterThanOrEqual(1);
  });

  it.each(MORE.map(([rule, text], i) => [i, rule, text] as const))(
    'finds %i: %s in %s',
    (i, rule) => {
      expect(rulesOf(`more ${i} ${rule}`)).toContain(rule);
    },
  );

  it('reports nothing in 5.1 code next to each rule', () => {
    expect(findings('clean')).toEqual([]);
  });

  it.each(SRC_SCRIPTS.map((s) => s.name))('%s passes', (name) => {
    expect(findings(name)).toEqual([]);
  });

  it.each(CHECKED_PLAYBOOKS)('every step of the %s playbook passes', (kind) => {
    for (const s of playbookScripts([kind])) expect(findings(s.name), s.name).toEqual([]);
  });

  it('checks exactly the built-in Windows playbooks', () => {
    expect([...CHECKED_PLAYBOOKS].sort()).toEqual([...windowsKinds].sort());
  });
});
