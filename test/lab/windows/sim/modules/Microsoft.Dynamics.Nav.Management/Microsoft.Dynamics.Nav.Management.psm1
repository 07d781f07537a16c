# The Business Central / NAV administration cmdlets the playbook uses, over the simulated host's
# bc/<Instance>/CustomSettings.config (the real file's shape: <appSettings><add key= value=/>)
# and services/MicrosoftDynamicsNavServer$<Instance>.json. Sources (Microsoft Learn,
# powershell/module/microsoft.dynamics.nav.management): Get-NAVServerInstance,
# Get-NAVServerConfiguration, Set-NAVServerConfiguration, New-NAVServerInstance (the port keys).
#
# Where the module lives on a real server (Microsoft Learn, Business Central dev-itpro,
# "Business Central Administration Shell"; the product's bc-service-tier playbook looks there):
#   NAV 2013-2018 and BC 13-23: <install>\Service\NavAdminTool.ps1, which imports
#     Microsoft.Dynamics.Nav.Management (.psm1/.psd1/.dll in the same Service folder), where
#     <install> is C:\Program Files\Microsoft Dynamics NAV\<nnn> or
#     C:\Program Files\Microsoft Dynamics 365 Business Central\<nnn> (nnn = 140 ... 230).
#   BC 24+ (2024 release wave 1): NavAdminTool.ps1 is still in Service\ and loads, in PowerShell 7,
#     Service\Admin\Microsoft.BusinessCentral.Management.dll (and .Apps.Management, .Apps.Tools),
#     and in Windows PowerShell 5.1 the compatibility module
#     Service\Management\Microsoft.Dynamics.Nav.Management.dll. The cmdlet names are unchanged.
# Here the module is found by name on PSModulePath, as after Import-Module of either.
# The service name is MicrosoftDynamicsNavServer$<Instance> for every version.
. (Join-Path $PSScriptRoot '../CertrollWinSim/WinSimCore.ps1')

function Get-NavInstanceName([string] $ServerInstance) {
  return ($ServerInstance -replace '^MicrosoftDynamicsNavServer\$', '')
}

function Get-NavServiceRecord([string] $ServerInstance, $Cmdlet, [string] $CommandName) {
  $instance = Get-NavInstanceName $ServerInstance
  $r = Get-WinSimServiceRecord ('MicrosoftDynamicsNavServer$' + $instance)
  if ($r -and [IO.File]::Exists((Get-WinSimBcConfigPath $instance))) { return $r }
  $msg = "The requested service instance 'MicrosoftDynamicsNavServer`$$instance' does not exist."
  $Cmdlet.WriteError((New-WinSimError $msg "InstanceNotFound,Microsoft.Dynamics.Nav.Management.Cmdlets.$CommandName" ObjectNotFound $ServerInstance))
  return $null
}

function Get-NAVServerInstance {
  [CmdletBinding()]
  param([Parameter(Position = 0, ValueFromPipelineByPropertyName = $true)] [string] $ServerInstance, [switch] $AsXml, [switch] $Force)
  process {
    $records = @(Get-WinSimServiceRecords | Where-Object { $_.kind -eq 'bc' })
    if ($ServerInstance) { $records = @($records | Where-Object { $_.instance -ieq (Get-NavInstanceName $ServerInstance) }) }
    foreach ($r in $records) {
      $o = [pscustomobject][ordered]@{
        ServerInstance = $r.name
        DisplayName = $(if ($r.displayName -and $r.displayName -ne $r.name) { $r.displayName } else { "Microsoft Dynamics 365 Business Central Server [$($r.instance)]" })
        State = [string]$r.status
        ServiceAccount = (ConvertFrom-WinSimStartName $r.startName)
        Version = $(if ($r.ContainsKey('version') -and $r.version) { $r.version } else { '24.0.16410.0' })
        Default = [bool]($r.ContainsKey('default') -and $r.default)
      }
      $PSCmdlet.WriteObject($o)
    }
  }
}

function Get-NAVServerConfiguration {
  [CmdletBinding(DefaultParameterSetName = 'All')]
  param(
    [Parameter(Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)] [string] $ServerInstance,
    [Parameter(ParameterSetName = 'Key')] [string] $KeyName,
    [Parameter(ParameterSetName = 'Xml')] [switch] $AsXml,
    [switch] $Force
  )
  process {
    $r = Get-NavServiceRecord $ServerInstance $PSCmdlet 'GetNavServerConfiguration'
    if (-not $r) { return }
    $settings = Get-WinSimBcSettings $r.instance
    if ($KeyName) {
      if (-not $settings.Contains($KeyName)) { $PSCmdlet.WriteError((Get-NavUnknownKey $KeyName 'GetNavServerConfiguration')); return }
      $PSCmdlet.WriteObject([string]$settings[$KeyName])
      return
    }
    if ($AsXml) {
      # -AsXml wraps the settings in <configuration> (scripts read $x.configuration.appSettings.add).
      $doc = [xml]'<configuration><appSettings /></configuration>'
      foreach ($k in $settings.Keys) {
        $n = $doc.CreateElement('add'); $n.SetAttribute('key', $k); $n.SetAttribute('value', [string]$settings[$k])
        [void]$doc.configuration.SelectSingleNode('appSettings').AppendChild($n)
      }
      $PSCmdlet.WriteObject($doc)
      return
    }
    foreach ($k in $settings.Keys) { $PSCmdlet.WriteObject([pscustomobject][ordered]@{ key = $k; value = [string]$settings[$k] }) }
  }
}

function Get-NavUnknownKey([string] $KeyName, [string] $CommandName) {
  # The wording BC uses for a setting it does not have (not verified against a live server).
  $msg = "The configuration setting '$KeyName' does not exist."
  return New-WinSimError $msg "InvalidKeyName,Microsoft.Dynamics.Nav.Management.Cmdlets.$CommandName" InvalidArgument $KeyName
}

function Set-NAVServerConfiguration {
  [CmdletBinding(SupportsShouldProcess = $true)]
  param(
    [Parameter(Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)] [string] $ServerInstance,
    [Parameter(Mandatory = $true)] [string] $KeyName,
    [Parameter(Mandatory = $true)] [AllowEmptyString()] [string] $KeyValue,
    [ValidateSet('ConfigFile', 'Memory', 'All')] [string] $ApplyTo = 'ConfigFile',
    [switch] $Force
  )
  process {
    $r = Get-NavServiceRecord $ServerInstance $PSCmdlet 'SetNavServerConfiguration'
    if (-not $r) { return }
    $xml = Read-WinSimBcConfig $r.instance
    $node = $null
    foreach ($n in $xml.SelectNodes('/appSettings/add')) { if ($n.GetAttribute('key') -eq $KeyName) { $node = $n } }
    if (-not $node) { $PSCmdlet.WriteError((Get-NavUnknownKey $KeyName 'SetNavServerConfiguration')); return }
    if (-not $PSCmdlet.ShouldProcess("$($r.instance): $KeyName")) { return }
    if ($ApplyTo -ne 'Memory') {
      $node.SetAttribute('value', $KeyValue)
      $sw = [IO.StringWriter]::new()
      $xml.Save($sw)
      Write-WinSimText (Get-WinSimBcConfigPath $r.instance) ($sw.ToString() -replace '^<\?xml version="1.0" encoding="utf-16"\?>', '<?xml version="1.0" encoding="utf-8"?>')
    }
    if ($ApplyTo -eq 'ConfigFile' -and $r.status -eq 'Running') {
      $PSCmdlet.WriteWarning('The new settings value will not take effect until you stop and restart the service.')
    }
  }
}

Export-ModuleMember -Function Get-NAVServerInstance, Get-NAVServerConfiguration, Set-NAVServerConfiguration
