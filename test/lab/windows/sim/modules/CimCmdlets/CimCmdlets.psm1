# Get-CimInstance of the simulated host (Microsoft Learn, powershell/module/cimcmdlets/get-ciminstance)
# for the two classes the product reads: Win32_Service (Name, DisplayName, StartName, State,
# ProcessId, PathName, StartMode, Started, Status; from services/*.json) and
# Win32_OperatingSystem (Caption, Version, BuildNumber, CSName, OSArchitecture; from host.json's
# build). -Filter takes the WQL conditions scripts write: Prop = 'value' and Prop LIKE 'pat%',
# joined by AND; WQL strings escape \ as \\. Other classes fail as WMI does (Invalid class).
. (Join-Path $PSScriptRoot '../CertrollWinSim/WinSimCore.ps1')

$script:Builds = @{
  # Below certroll's floor (Windows Server 2012 R2): only for the floor's tests; no netsh layout.
  '2008r2' = @{ Version = '6.1.7601'; Caption = 'Microsoft Windows Server 2008 R2 Standard' }
  '2012' = @{ Version = '6.2.9200'; Caption = 'Microsoft Windows Server 2012 Standard' }
  '2012r2' = @{ Version = '6.3.9600'; Caption = 'Microsoft Windows Server 2012 R2 Standard' }
  '2016' = @{ Version = '10.0.14393'; Caption = 'Microsoft Windows Server 2016 Standard' }
  '2019' = @{ Version = '10.0.17763'; Caption = 'Microsoft Windows Server 2019 Standard' }
  '2022' = @{ Version = '10.0.20348'; Caption = 'Microsoft Windows Server 2022 Standard' }
}

function New-CimObject([string] $Class, [Collections.IDictionary] $Props) {
  $o = [pscustomobject]$Props
  $o.PSObject.TypeNames.Insert(0, "Microsoft.Management.Infrastructure.CimInstance#root/cimv2/$Class")
  $o.PSObject.TypeNames.Insert(0, "Microsoft.Management.Infrastructure.CimInstance#$Class")
  return $o
}

function Get-WinSimServicePathName([hashtable] $Record) {
  if ($Record.ContainsKey('pathName') -and $Record.pathName) { return $Record.pathName }
  if ($Record.kind -eq 'bc') {
    $major = '240'
    if ($Record.ContainsKey('version') -and $Record.version -match '^(\d+)\.') { $major = $Matches[1] + '0' }
    $dir = "C:\Program Files\Microsoft Dynamics 365 Business Central\$major\Service"
    return "`"$dir\Microsoft.Dynamics.Nav.Server.exe`" `$$($Record.instance) /config `"$dir\Instances\$($Record.instance)\$($Record.instance).config`""
  }
  if ($Record.kind -eq 'iis') { return 'C:\Windows\system32\svchost.exe -k iissvcs' }
  return "C:\Windows\system32\$($Record.name).exe"
}

function Get-Win32Services {
  foreach ($r in Get-WinSimServiceRecords) {
    $state = switch ($r.status) { 'StartPending' { 'Start Pending' } 'StopPending' { 'Stop Pending' } default { [string]$r.status } }
    New-CimObject 'Win32_Service' ([ordered]@{
        Name = $r.name; DisplayName = $r.displayName; StartName = $r.startName; State = $state
        ProcessId = [uint32]$(if ($r.ContainsKey('processId') -and $r.processId) { $r.processId } else { 0 })
        PathName = (Get-WinSimServicePathName $r); StartMode = $(if ($r.startType -eq 'Automatic') { 'Auto' } else { [string]$r.startType })
        Started = ($r.status -eq 'Running'); Status = 'OK'; ServiceType = 'Own Process'; SystemName = (Get-WinSimHost).computerName
      })
  }
}

function Get-Win32OperatingSystem {
  $h = Get-WinSimHost
  $b = $script:Builds[[string]$h.build]
  if (-not $b) { throw "CertrollWinSim: host.json build '$($h.build)' is not one of $($script:Builds.Keys -join ', ')" }
  New-CimObject 'Win32_OperatingSystem' ([ordered]@{
      Caption = $b.Caption; Version = $b.Version; BuildNumber = $b.Version.Split('.')[2]
      CSName = $h.computerName; OSArchitecture = '64-bit'; ProductType = [uint32]3; Locale = $(switch ($h.locale) { 'de' { '0407' } 'fr' { '040c' } default { '0409' } })
      MUILanguages = @($(switch ($h.locale) { 'de' { 'de-DE' } 'fr' { 'fr-FR' } default { 'en-US' } }))
    })
}

# Compiles "Name='x' AND StartName LIKE 'NT%'" to a predicate; $null when it is not valid WQL.
function ConvertFrom-WqlFilter([string] $Filter) {
  $conds = @()
  foreach ($part in ($Filter -split '\s+AND\s+')) {
    if ($part -notmatch "^\s*\(?\s*(\w+)\s*(=|<>|!=|\s+LIKE\s+)\s*'((?:[^'\\]|\\.)*)'\s*\)?\s*$") { return $null }
    $value = $Matches[3] -replace '\\(.)', '$1'
    $conds += , @($Matches[1], $Matches[2].Trim().ToUpperInvariant(), $value)
  }
  return {
    param($o)
    foreach ($c in $conds) {
      $v = [string]$o.($c[0])
      switch ($c[1]) {
        '=' { if ($v -ne $c[2]) { return $false } }
        { $_ -in '<>', '!=' } { if ($v -eq $c[2]) { return $false } }
        'LIKE' { if ($v -notlike ($c[2] -replace '%', '*' -replace '_', '?')) { return $false } }
      }
    }
    return $true
  }.GetNewClosure()
}

function Get-CimInstance {
  [CmdletBinding(DefaultParameterSetName = 'ClassNameComputerSet')]
  param(
    [Parameter(ParameterSetName = 'ClassNameComputerSet', Mandatory = $true, Position = 0)] [string] $ClassName,
    [Parameter(ParameterSetName = 'ClassNameComputerSet')] [string] $Filter,
    [Parameter(ParameterSetName = 'QuerySet', Mandatory = $true)] [string] $Query,
    [string] $Namespace = 'root/cimv2',
    [string[]] $Property, [string[]] $ComputerName, [switch] $Shallow, [uint32] $OperationTimeoutSec
  )
  if ($Query) {
    if ($Query -notmatch '^\s*SELECT\s+\*\s+FROM\s+(\w+)(?:\s+WHERE\s+(.+))?$') { Write-CimError 'Invalid query' 'HRESULT 0x80041017' $Query; return }
    $ClassName = $Matches[1]; $Filter = $Matches[2]
  }
  $items = switch ($ClassName) {
    'Win32_Service' { @(Get-Win32Services) }
    'Win32_OperatingSystem' { @(Get-Win32OperatingSystem) }
    default { Write-CimError 'Invalid class ' 'HRESULT 0x80041010' $ClassName; return }
  }
  if ($Filter) {
    $match = ConvertFrom-WqlFilter $Filter
    if (-not $match) { Write-CimError 'Invalid query ' 'HRESULT 0x80041017' $Filter; return }
    $items = @($items | Where-Object { & $match $_ })
  }
  $items
}

function Write-CimError([string] $Message, [string] $Id, $Target) {
  $PSCmdlet.WriteError((New-WinSimError $Message "$Id,Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand" InvalidType $Target))
}

Export-ModuleMember -Function Get-CimInstance
