# The one registry key certroll reads, HKLM:\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full
# (Microsoft Learn, "Determine which .NET Framework versions are installed": Release and Version),
# from host.json: `dotnetRelease` when given, else the Release Windows Server reports for its
# `dotnet` version. Linux PowerShell has no registry provider, so Get-ItemProperty is a proxy
# that answers HKLM:\ paths itself (any other key does not exist, as on a host without it) and
# runs the real cmdlet for everything else.

# The Release value of each .NET Framework version on Windows Server (not Windows 10's values).
$script:WinSimNetReleases = @{
  '4.5' = 378389; '4.5.1' = 378758; '4.5.2' = 379893; '4.6' = 393297; '4.6.1' = 394271
  '4.6.2' = 394806; '4.7' = 460805; '4.7.1' = 461310; '4.7.2' = 461814; '4.8' = 528049; '4.8.1' = 533325
}

function Get-WinSimRegistryValues([string] $Key) {
  $h = Get-WinSimHost
  if ($Key -ne 'HKLM:\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full') { return $null }
  $release = if ($h.ContainsKey('dotnetRelease')) { $h.dotnetRelease } else { $script:WinSimNetReleases[[string]$h.dotnet] }
  if ($null -eq $release) { return $null }
  return [ordered]@{ Release = [int]$release; Version = [string]$h.dotnet; Install = 1 }
}

function Get-ItemProperty {
  [CmdletBinding(DefaultParameterSetName = 'Path')]
  param(
    [Parameter(ParameterSetName = 'Path', Mandatory, Position = 0, ValueFromPipelineByPropertyName)] [string[]] $Path,
    [Parameter(ParameterSetName = 'LiteralPath', Mandatory, ValueFromPipelineByPropertyName)] [Alias('PSPath', 'LP')] [string[]] $LiteralPath,
    [Parameter(Position = 1)] [Alias('PSProperty')] [string[]] $Name
  )
  $paths = if ($PSCmdlet.ParameterSetName -eq 'LiteralPath') { $LiteralPath } else { $Path }
  foreach ($p in $paths) {
    if ($p -notmatch '^(HKLM|HKEY_LOCAL_MACHINE|Registry::HKEY_LOCAL_MACHINE):?\\') {
      Microsoft.PowerShell.Management\Get-ItemProperty @PSBoundParameters
      return
    }
    $key = 'HKLM:\' + ($p -replace '^[^\\]*\\', '').TrimEnd('\')
    $values = Get-WinSimRegistryValues $key
    if ($null -eq $values) {
      $msg = "Cannot find path '$key' because it does not exist."
      $PSCmdlet.WriteError((New-WinSimError $msg 'PathNotFound,Microsoft.PowerShell.Commands.GetItemPropertyCommand' ObjectNotFound $key ([Management.Automation.ItemNotFoundException]::new($msg))))
      continue
    }
    $o = [ordered]@{}
    foreach ($k in $values.Keys) {
      if (-not $Name -or $Name -contains $k) { $o[$k] = $values[$k] }
    }
    foreach ($n in @($Name)) {
      if ($n -and -not $o.Contains($n)) {
        $msg = "Property $n does not exist at path $key."
        $PSCmdlet.WriteError((New-WinSimError $msg 'System.Management.Automation.PSArgumentException,Microsoft.PowerShell.Commands.GetItemPropertyCommand' InvalidArgument $n))
      }
    }
    if ($o.Count -gt 0) {
      $o['PSPath'] = 'Microsoft.PowerShell.Core\Registry::HKEY_LOCAL_MACHINE\' + ($key -replace '^HKLM:\\', '')
      [pscustomobject]$o
    }
  }
}
