# The WebAdministration cmdlets the IIS playbook uses (Microsoft Learn,
# powershell/module/webadministration: Get-Website, Get-WebBinding, New-WebBinding,
# Remove-WebBinding, Start-Website, Stop-Website) over iis/applicationHost.json, with the binding
# object's AddSslCertificate(thumbprint, store) and RemoveSslCertificate() methods, which write
# the http.sys sslcert table as IIS does (appid {4dc3e181-e14b-4a21-b022-59fc669b0914}).
# AddSslCertificate fails, as Microsoft.Web.Administration's HttpApiWrapper.CreateSSLBinding
# does, with "A specified logon session does not exist. It may already have been terminated.
# (Exception from HRESULT: 0x80070520)" when the endpoint is already bound in http.sys or the
# certificate (with its private key) is not in the store: an existing binding is rebound with
# netsh http update sslcert (or delete + add), not with AddSslCertificate.
. (Join-Path $PSScriptRoot '../CertrollWinSim/WinSimCore.ps1')

function Get-SiteOrError([string] $Name, $Cmdlet, [string] $CommandName) {
  $doc = Get-WinSimIis
  $site = $doc.sites | Where-Object { $_.name -eq $Name } | Select-Object -First 1
  if (-not $site) {
    $msg = "Cannot find path 'IIS:\Sites\$Name' because it does not exist."
    $Cmdlet.WriteError((New-WinSimError $msg "PathNotFound,Microsoft.IIs.PowerShell.Provider.$CommandName" ObjectNotFound $Name ([Management.Automation.ItemNotFoundException]::new($msg))))
  }
  return $doc, $site
}

function New-BindingObject($Site, $Binding) {
  $hash = ''
  $store = ''
  if ($Binding.protocol -eq 'https') {
    $ep = Get-WinSimSslEndpoint $Binding.bindingInformation ([int]$Binding.sslFlags)
    $entry = Find-WinSimSslBinding $ep
    if ($entry -and $entry.certhash) { $hash = ([string]$entry.certhash).ToUpperInvariant(); $store = $(if ($entry.certstorename) { [string]$entry.certstorename } else { 'MY' }) }
  }
  $o = [pscustomobject][ordered]@{
    protocol = $Binding.protocol
    bindingInformation = $Binding.bindingInformation
    sslFlags = [int]$Binding.sslFlags
    isDsMapperEnabled = $false
    certificateHash = $hash
    certificateStoreName = $store
    ItemXPath = "/system.applicationHost/sites/site[@name='$($Site.name)' and @id='$($Site.id)']"
    RunspaceId = $Host.Runspace.InstanceId
  }
  $o.PSObject.TypeNames.Insert(0, 'Microsoft.IIs.PowerShell.Framework.ConfigurationElement#site#bindings#binding')
  $o | Add-Member -NotePropertyName SiteName -NotePropertyValue $Site.name
  $o | Add-Member -MemberType ScriptMethod -Name AddSslCertificate -Value {
    param([string] $Thumbprint, [string] $StoreName)
    Add-WinSimIisCertificate $this $Thumbprint $StoreName
  }
  $o | Add-Member -MemberType ScriptMethod -Name RemoveSslCertificate -Value {
    Set-WinSimSslBinding (Get-WinSimSslEndpoint $this.bindingInformation ([int]$this.sslFlags)) $null
  }
  return $o
}

function Add-WinSimIisCertificate($Binding, [string] $Thumbprint, [string] $StoreName) {
  $logon = 'A specified logon session does not exist. It may already have been terminated. (Exception from HRESULT: 0x80070520)'
  if ($Binding.protocol -ne 'https') { throw [ArgumentException]::new('The binding is not an https binding.') }
  $ep = Get-WinSimSslEndpoint $Binding.bindingInformation ([int]$Binding.sslFlags)
  if ($ep.type -eq 'ccs') { throw [InvalidOperationException]::new('The binding uses the Central Certificate Store: its certificate comes from the store share, not from AddSslCertificate.') }
  $t = ($Thumbprint -replace '\s', '').ToUpperInvariant()
  $store = if ($StoreName) { $StoreName } else { 'My' }
  $storeDir = Get-WinSimStoreDir 'LocalMachine' ($script:WinSimStores | Where-Object { $_ -ieq $store } | Select-Object -First 1)
  $hasKey = [IO.File]::Exists([IO.Path]::Combine($storeDir, "$t.cer")) -and [IO.File]::Exists([IO.Path]::Combine($storeDir, "$t.key"))
  if ((Find-WinSimSslBinding $ep) -or -not $hasKey) {
    throw [Runtime.InteropServices.COMException]::new($logon, [int]0x80070520)
  }
  Set-WinSimSslBinding $ep ([ordered]@{ type = $ep.type; endpoint = $ep.endpoint; certhash = $t; appid = $script:IisAppId; certstorename = $store })
}

function Select-Bindings($Site, [string] $Protocol, [string] $Port, [string] $IPAddress, [string] $HostHeader) {
  foreach ($b in $Site.bindings) {
    if ($Protocol -and $b.protocol -ne $Protocol) { continue }
    $i = Split-WinSimBindingInfo $b.bindingInformation
    if ($Port -and [string]$i.port -ne $Port) { continue }
    if ($IPAddress -and $i.ip -ne $IPAddress) { continue }
    if ($HostHeader -and $i.host -ne $HostHeader) { continue }
    $b
  }
}

function Get-WebBinding {
  [CmdletBinding()]
  param([Parameter(Position = 0)] [string] $Name, [string] $Protocol, [string] $Port, [string] $IPAddress, [string] $HostHeader)
  $sites = @((Get-WinSimIis).sites)
  if ($Name) { $sites = @($sites | Where-Object { $_.name -like $Name }) }
  foreach ($s in $sites) {
    foreach ($b in Select-Bindings $s $Protocol $Port $IPAddress $HostHeader) { New-BindingObject $s $b }
  }
}

function New-WebBinding {
  [CmdletBinding()]
  param(
    [Parameter(Position = 0)] [string] $Name = 'Default Web Site',
    [string] $Protocol = 'http', [int] $Port = 80, [string] $IPAddress = '*', [string] $HostHeader = '',
    [int] $SslFlags = 0, [switch] $Force
  )
  $doc, $site = Get-SiteOrError $Name $PSCmdlet 'NewWebBindingCommand'
  if (-not $site) { return }
  $info = "${IPAddress}:${Port}:$HostHeader"
  if ($site.bindings | Where-Object { $_.protocol -eq $Protocol -and $_.bindingInformation -eq $info }) {
    $msg = "Cannot add duplicate collection entry of type 'binding' with combined key attributes 'protocol, bindingInformation' respectively set to '$Protocol, $info'"
    $PSCmdlet.WriteError((New-WinSimError $msg 'Microsoft.IIs.PowerShell.Framework.NewWebBindingCommand' InvalidOperation $info ([Runtime.InteropServices.COMException]::new($msg, [int]0x800700B7))))
    return
  }
  $site.bindings = @($site.bindings) + @([ordered]@{ protocol = $Protocol; bindingInformation = $info; sslFlags = $SslFlags })
  Save-WinSimIis $doc
  # A Central Certificate Store binding has no certificate of its own: IIS registers the port's
  # ccs entry in http.sys (netsh http show sslcert: "Central Certificate Store : <port>").
  if ($Protocol -eq 'https' -and ($SslFlags -band 2)) {
    $ep = Get-WinSimSslEndpoint $info $SslFlags
    if (-not (Find-WinSimSslBinding $ep)) {
      Set-WinSimSslBinding $ep ([ordered]@{ type = 'ccs'; endpoint = $ep.endpoint; certhash = $null; appid = $script:IisAppId; certstorename = $null })
    }
  }
}

function Remove-WebBinding {
  [CmdletBinding()]
  param([Parameter(Position = 0)] [string] $Name = 'Default Web Site', [string] $Protocol, [string] $Port, [string] $IPAddress, [string] $HostHeader, [string] $BindingInformation)
  $doc, $site = Get-SiteOrError $Name $PSCmdlet 'RemoveWebBindingCommand'
  if (-not $site) { return }
  $drop = @(if ($BindingInformation) { $site.bindings | Where-Object { $_.bindingInformation -eq $BindingInformation -and (-not $Protocol -or $_.protocol -eq $Protocol) } } else { Select-Bindings $site $Protocol $Port $IPAddress $HostHeader })
  $site.bindings = @($site.bindings | Where-Object { $drop -notcontains $_ })
  Save-WinSimIis $doc
  # The port's ccs entry goes with its last Central Certificate Store binding.
  foreach ($b in @($drop | Where-Object { $_.protocol -eq 'https' -and ([int]$_.sslFlags -band 2) })) {
    $ep = Get-WinSimSslEndpoint $b.bindingInformation ([int]$b.sslFlags)
    $still = @((Get-WinSimIis).sites | ForEach-Object { $_.bindings } | Where-Object {
        $_.protocol -eq 'https' -and ([int]$_.sslFlags -band 2) -and (Get-WinSimSslEndpoint $_.bindingInformation ([int]$_.sslFlags)).endpoint -eq $ep.endpoint })
    if ($still.Count -eq 0) { Set-WinSimSslBinding $ep $null }
  }
}

function New-SiteObject($Site) {
  $o = [pscustomobject][ordered]@{
    name = $Site.name; id = [long]$Site.id; state = $Site.state
    physicalPath = $(if ($Site.ContainsKey('physicalPath')) { $Site.physicalPath } else { '%SystemDrive%\inetpub\wwwroot' })
    bindings = [pscustomobject]@{ Collection = @(foreach ($b in $Site.bindings) { New-BindingObject $Site $b }) }
    ItemXPath = "/system.applicationHost/sites/site[@name='$($Site.name)' and @id='$($Site.id)']"
  }
  $o.PSObject.TypeNames.Insert(0, 'Microsoft.IIs.PowerShell.Framework.ConfigurationElement#site')
  return $o
}

function Get-Website {
  [CmdletBinding()]
  param([Parameter(Position = 0)] [string] $Name)
  foreach ($s in (Get-WinSimIis).sites) { if (-not $Name -or $s.name -like $Name) { New-SiteObject $s } }
}

function Set-SiteState([string] $Name, [string] $State, $Cmdlet, [string] $CommandName) {
  $doc, $site = Get-SiteOrError $Name $Cmdlet $CommandName
  if (-not $site) { return }
  $site.state = $State
  Save-WinSimIis $doc
}

function Start-Website { [CmdletBinding()] param([Parameter(Mandatory = $true, Position = 0)] [string] $Name) Set-SiteState $Name 'Started' $PSCmdlet 'StartWebsiteCommand' }
function Stop-Website { [CmdletBinding()] param([Parameter(Mandatory = $true, Position = 0)] [string] $Name) Set-SiteState $Name 'Stopped' $PSCmdlet 'StopWebsiteCommand' }

Export-ModuleMember -Function Get-Website, Get-WebBinding, New-WebBinding, Remove-WebBinding, Start-Website, Stop-Website
