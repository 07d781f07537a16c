# The Cert: provider paths (Microsoft Learn, "about_Certificate_Provider"): Cert:\<Location>,
# Cert:\<Location>\<Store> and Cert:\<Location>\<Store>\<Thumbprint>, read from the store files.
# Linux PowerShell has no Certificate provider, so Get-Item, Get-ChildItem, Test-Path and
# Remove-Item are proxy functions (their parameters copied from the real cmdlets with
# ProxyCommand) that answer Cert:\ paths themselves and run the real cmdlet for everything else.
# Only -Path/-LiteralPath given as arguments are seen: a Cert: path piped in goes to the real
# cmdlet and fails there ("Cannot find drive"), which keeps the proxy small.

function Get-WinSimBoundCertPaths($Bound) {
  $literal = $Bound.ContainsKey('LiteralPath')
  $raw = if ($literal) { @($Bound['LiteralPath']) } elseif ($Bound.ContainsKey('Path')) { @($Bound['Path']) } else { @() }
  $parsed = @(foreach ($p in $raw) { $c = ConvertFrom-WinSimCertPath ([string]$p); if ($c) { $c.Literal = $literal; $c } })
  if ($parsed.Count -eq 0) { return $null }
  return , $parsed
}

function Get-WinSimNotFound([string] $Path, [string] $CommandName) {
  $msg = "Cannot find path '$Path' because it does not exist."
  return New-WinSimError $msg "PathNotFound,Microsoft.PowerShell.Commands.$CommandName" ObjectNotFound $Path ([Management.Automation.ItemNotFoundException]::new($msg))
}

function New-WinSimStoreItem([string] $Location, [string] $Store) {
  $o = [pscustomobject]@{ Name = $Store; Location = $Location }
  $o.PSObject.TypeNames.Insert(0, 'System.Security.Cryptography.X509Certificates.X509Store')
  Add-WinSimProviderProperties $o $Location $Store
  $o.PSIsContainer = $true
  return $o
}

function New-WinSimLocationItem([string] $Location) {
  $o = [pscustomobject]@{ Location = $Location; StoreNames = @($script:WinSimStores) }
  $o.PSObject.TypeNames.Insert(0, 'Microsoft.PowerShell.Commands.X509StoreLocation')
  $o | Add-Member -NotePropertyName PSPath -NotePropertyValue ('Microsoft.PowerShell.Security\Certificate::' + $Location)
  $o | Add-Member -NotePropertyName PSIsContainer -NotePropertyValue $true
  return $o
}

# The items a parsed path names, expanding a wildcard in its last segment unless literal.
function Get-WinSimCertItems($Parsed) {
  if ($Parsed.Bad) { return @() }
  $wild = (-not $Parsed.Literal) -and [Management.Automation.WildcardPattern]::ContainsWildcardCharacters([string]$Parsed.Thumbprint)
  if (-not $Parsed.Location) { return @(@('CurrentUser', 'LocalMachine') | ForEach-Object { New-WinSimLocationItem $_ }) }
  if (-not $Parsed.Store) { return @(New-WinSimLocationItem $Parsed.Location) }
  if (-not $Parsed.Thumbprint) { return @(New-WinSimStoreItem $Parsed.Location $Parsed.Store) }
  $thumbs = Get-WinSimStoreThumbprints $Parsed.Location $Parsed.Store
  if ($wild) { $thumbs = @($thumbs | Where-Object { $_ -like $Parsed.Thumbprint }) }
  else { $thumbs = @($thumbs | Where-Object { $_ -eq $Parsed.Thumbprint }) }
  return @(foreach ($t in $thumbs) { Get-WinSimCertificate $Parsed.Location $Parsed.Store $t })
}

function Get-WinSimCertChildren($Parsed, [bool] $Recurse) {
  if ($Parsed.Bad) { return @() }
  if ($Parsed.Thumbprint) { return Get-WinSimCertItems $Parsed }
  if ($Parsed.Store) {
    return @(foreach ($t in Get-WinSimStoreThumbprints $Parsed.Location $Parsed.Store) { Get-WinSimCertificate $Parsed.Location $Parsed.Store $t })
  }
  $locations = if ($Parsed.Location) { @($Parsed.Location) } else { @('CurrentUser', 'LocalMachine') }
  return @(foreach ($l in $locations) {
      if (-not $Parsed.Location) { New-WinSimLocationItem $l; if (-not $Recurse) { continue } }
      foreach ($s in $script:WinSimStores) {
        New-WinSimStoreItem $l $s
        if ($Recurse) { foreach ($t in Get-WinSimStoreThumbprints $l $s) { Get-WinSimCertificate $l $s $t } }
      }
    })
}

function Invoke-WinSimCertCommand([string] $Name, $Parsed, $Bound, $Cmdlet) {
  $recurse = $Bound.ContainsKey('Recurse') -and [bool]$Bound['Recurse']
  foreach ($p in $Parsed) {
    switch ($Name) {
      'Test-Path' {
        $items = @(Get-WinSimCertItems $p)
        $type = if ($Bound.ContainsKey('PathType')) { [string]$Bound['PathType'] } else { 'Any' }
        if ($type -eq 'Leaf') { $items = @($items | Where-Object { -not $_.PSIsContainer }) }
        if ($type -eq 'Container') { $items = @($items | Where-Object { $_.PSIsContainer }) }
        $Cmdlet.WriteObject($items.Count -gt 0)
      }
      'Get-Item' {
        $items = @(Get-WinSimCertItems $p)
        if ($items.Count -eq 0) { $Cmdlet.WriteError((Get-WinSimNotFound $p.Path 'GetItemCommand')) }
        foreach ($i in $items) { $Cmdlet.WriteObject($i) }
      }
      'Get-ChildItem' {
        if ((@(Get-WinSimCertItems $p)).Count -eq 0) { $Cmdlet.WriteError((Get-WinSimNotFound $p.Path 'GetChildItemCommand')); continue }
        foreach ($i in Get-WinSimCertChildren $p $recurse) { $Cmdlet.WriteObject($i) }
      }
      'Remove-Item' { Remove-WinSimCertItem $p $Bound $Cmdlet }
    }
  }
}

# Removes the certificate; its key stays (as on Windows) unless -DeleteKey.
function Remove-WinSimCertItem($Parsed, $Bound, $Cmdlet) {
  $items = @(Get-WinSimCertItems $Parsed)
  if ($items.Count -eq 0) { $Cmdlet.WriteError((Get-WinSimNotFound $Parsed.Path 'RemoveItemCommand')); return }
  foreach ($i in $items) {
    if ($i.PSIsContainer) {
      $msg = "Remove-Item: the store '$($Parsed.Path)' is a system store and cannot be removed."
      $Cmdlet.WriteError((New-WinSimError $msg 'RemoveItemUnauthorizedAccessError,Microsoft.PowerShell.Commands.RemoveItemCommand' PermissionDenied $Parsed.Path))
      continue
    }
    if (-not $Cmdlet.ShouldProcess("Item: $($i.PSPath)", 'Remove certificate')) { continue }
    $dir = Get-WinSimStoreDir $Parsed.Location $Parsed.Store
    $t = $i.Thumbprint
    [IO.File]::Delete([IO.Path]::Combine($dir, "$t.cer"))
    if ($Bound.ContainsKey('DeleteKey') -and [bool]$Bound['DeleteKey']) {
      [IO.File]::Delete([IO.Path]::Combine($dir, "$t.key"))
      [IO.File]::Delete([IO.Path]::Combine($dir, "$t.json"))
    }
  }
}

# Builds the proxy: the real cmdlet's [CmdletBinding()] and param() block, and a body that
# either serves Cert: paths or steps the real cmdlet's pipeline.
function New-WinSimProxy([string] $Name, [string] $ExtraParams) {
  $real = Get-Command "Microsoft.PowerShell.Management\$Name" -CommandType Cmdlet
  $meta = [Management.Automation.CommandMetadata]::new($real)
  $binding = [Management.Automation.ProxyCommand]::GetCmdletBindingAttribute($meta)
  $params = [Management.Automation.ProxyCommand]::GetParamBlock($meta)
  if ($ExtraParams) { $params = $params + ",`n" + $ExtraParams }
  $body = @"
$binding
param($params)
begin {
  `$simPaths = Get-WinSimBoundCertPaths `$PSBoundParameters
  if (`$null -ne `$simPaths) { return }
  `$forward = @{} + `$PSBoundParameters
  [void]`$forward.Remove('DeleteKey')
  `$wrapped = `$ExecutionContext.InvokeCommand.GetCommand('Microsoft.PowerShell.Management\$Name', [Management.Automation.CommandTypes]::Cmdlet)
  `$scriptCmd = { & `$wrapped @forward }
  `$steppablePipeline = `$scriptCmd.GetSteppablePipeline(`$MyInvocation.CommandOrigin)
  `$steppablePipeline.Begin(`$PSCmdlet)
}
process {
  if (`$null -ne `$simPaths) { Invoke-WinSimCertCommand '$Name' `$simPaths `$PSBoundParameters `$PSCmdlet; return }
  `$steppablePipeline.Process(`$_)
}
end { if (`$null -eq `$simPaths) { `$steppablePipeline.End() } }
"@
  # Bound to this module, so the proxy sees the module's helpers wherever it is called from.
  return $ExecutionContext.SessionState.Module.NewBoundScriptBlock([scriptblock]::Create($body))
}

# Defined in this module's scope (and exported by the .psm1), so they shadow the cmdlets.
Set-Item -Path function:script:Get-Item -Value (New-WinSimProxy 'Get-Item' '')
Set-Item -Path function:script:Get-ChildItem -Value (New-WinSimProxy 'Get-ChildItem' '')
Set-Item -Path function:script:Test-Path -Value (New-WinSimProxy 'Test-Path' '')
Set-Item -Path function:script:Remove-Item -Value (New-WinSimProxy 'Remove-Item' '    [switch] ${DeleteKey}')
