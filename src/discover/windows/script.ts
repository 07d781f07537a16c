// The discovery script for Windows hosts. Static text: no host, path or user value is ever part
// of it (script-block logging records script text); its only input is the JSON the prelude reads
// into $certrollInput (the limit on each list). It prints
// one JSON document: netsh's sslcert listing, listening TCP ports, IIS https bindings and the
// SSL-enabled ports of NAV/Business Central service tiers, each only where the tool exists.

export const WINDOWS_DISCOVER_SCRIPT = [
  "$ErrorActionPreference = 'Continue'",
  '$limit = 512',
  'if ($null -ne $certrollInput -and $null -ne $certrollInput.limit) { $limit = [int]$certrollInput.limit }',
  '$netsh = & netsh.exe http show sslcert 2>&1 | Out-String',
  '$netshExit = $LASTEXITCODE',
  '$listen = @()',
  'if (Get-Command Get-NetTCPConnection -ErrorAction SilentlyContinue) {',
  '  $listen = @(Get-NetTCPConnection -State Listen -ErrorAction SilentlyContinue | Select-Object -First $limit | ForEach-Object {',
  '    [pscustomobject]@{ address = [string]$_.LocalAddress; port = [int]$_.LocalPort; process = [string](Get-Process -Id $_.OwningProcess -ErrorAction SilentlyContinue).ProcessName }',
  '  })',
  '}',
  '$iis = @()',
  'if (Get-Module -ListAvailable -Name WebAdministration) {',
  '  Import-Module WebAdministration -ErrorAction SilentlyContinue',
  '  $iis = @(foreach ($s in @(Get-Website | Select-Object -First $limit)) {',
  '    foreach ($b in @(Get-WebBinding -Name $s.Name -Protocol https)) {',
  '      [pscustomobject]@{ site = [string]$s.Name; bindingInformation = [string]$b.bindingInformation; sslFlags = [int]$b.sslFlags; certificateHash = [string]$b.certificateHash }',
  '    }',
  '  })',
  '}',
  '$bc = @()',
  "$navModule = Get-ChildItem -Path 'C:\\Program Files\\Microsoft Dynamics*\\*\\Service\\NavAdminTool.ps1' -ErrorAction SilentlyContinue | Select-Object -First 1",
  'if ($null -ne $navModule -and -not (Get-Command Get-NAVServerInstance -ErrorAction SilentlyContinue)) { . $navModule.FullName | Out-Null }',
  'if (Get-Command Get-NAVServerInstance -ErrorAction SilentlyContinue) {',
  '  $bc = @(foreach ($i in @(Get-NAVServerInstance | Select-Object -First $limit)) {',
  "    $name = ([string]$i.ServerInstance) -replace '^MicrosoftDynamicsNavServer\\$', ''",
  '    $cfg = @{}',
  '    foreach ($k in @(Get-NAVServerConfiguration -ServerInstance $name -ErrorAction SilentlyContinue)) { $cfg[[string]$k.key] = [string]$k.value }',
  '    [pscustomobject]@{ instance = $name; state = [string]$i.State; settings = $cfg }',
  '  })',
  '}',
  '[pscustomobject]@{ version = 1; limit = $limit; netsh = $netsh; netshExit = $netshExit; listeners = $listen; iis = $iis; bc = $bc } | ConvertTo-Json -Depth 5 -Compress',
  '',
].join('\n');

/** The script's only input. */
export const windowsDiscoverInput = (limit = 512): string => JSON.stringify({ limit });
