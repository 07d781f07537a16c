# The IISAdministration cmdlets Get-IISSite and Get-IISSiteBinding (Microsoft Learn,
# powershell/module/iisadministration) over iis/applicationHost.json: Microsoft.Web.Administration
# shapes (Name, Id, State, Bindings; a binding's Protocol, BindingInformation, Host, SslFlags,
# CertificateHash as bytes and CertificateStoreName, read from the http.sys sslcert table).
. (Join-Path $PSScriptRoot '../CertrollWinSim/WinSimCore.ps1')

$script:SslFlagNames = @{ 0 = 'None'; 1 = 'Sni'; 2 = 'CentralCertStore'; 3 = 'Sni, CentralCertStore' }

function New-IisBinding($Binding) {
  $i = Split-WinSimBindingInfo $Binding.bindingInformation
  $hash = $null; $store = $null
  if ($Binding.protocol -eq 'https') {
    $entry = Find-WinSimSslBinding (Get-WinSimSslEndpoint $Binding.bindingInformation ([int]$Binding.sslFlags))
    if ($entry -and $entry.certhash) { $hash = [Convert]::FromHexString([string]$entry.certhash); $store = $(if ($entry.certstorename) { [string]$entry.certstorename } else { 'MY' }) }
  }
  $o = [pscustomobject][ordered]@{
    Protocol = $Binding.protocol; BindingInformation = $Binding.bindingInformation; Host = $i.host
    SslFlags = $script:SslFlagNames[[int]$Binding.sslFlags]; CertificateHash = $hash; CertificateStoreName = $store
  }
  $o.PSObject.TypeNames.Insert(0, 'Microsoft.Web.Administration.Binding')
  return $o
}

function Get-IISSite {
  [CmdletBinding()]
  param([Parameter(Position = 0)] [string[]] $Name)
  foreach ($s in (Get-WinSimIis).sites) {
    if ($Name -and -not ($Name | Where-Object { $s.name -eq $_ })) { continue }
    $o = [pscustomobject][ordered]@{ Name = $s.name; Id = [long]$s.id; State = $s.state; Bindings = @(foreach ($b in $s.bindings) { New-IisBinding $b }) }
    $o.PSObject.TypeNames.Insert(0, 'Microsoft.Web.Administration.Site')
    $o
  }
  foreach ($n in @($Name)) {
    if ($n -and -not ((Get-WinSimIis).sites | Where-Object { $_.name -eq $n })) { Write-Warning "Web site '$n' does not exist." }
  }
}

function Get-IISSiteBinding {
  [CmdletBinding()]
  param([Parameter(Mandatory = $true, Position = 0)] [string] $Name, [Parameter(Position = 1)] [string] $BindingInformation, [Parameter(Position = 2)] [string] $Protocol)
  $site = (Get-WinSimIis).sites | Where-Object { $_.name -eq $Name } | Select-Object -First 1
  if (-not $site) { Write-Warning "Web site '$Name' does not exist."; return }
  foreach ($b in $site.bindings) {
    if ($BindingInformation -and $b.bindingInformation -ne $BindingInformation) { continue }
    if ($Protocol -and $b.protocol -ne $Protocol) { continue }
    New-IisBinding $b
  }
}

Export-ModuleMember -Function Get-IISSite, Get-IISSiteBinding
