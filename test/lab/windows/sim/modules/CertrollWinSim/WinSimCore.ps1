# The simulated Windows host's state, shared by every simulation module (dot-sourced by each, so
# each module has its own copy and none exports these helpers). Everything lives under the
# simulation root $env:CERTROLL_WINSIM (layout: docs/windows-simulation.md); JSON is read fresh
# on every use and written atomically (NAME.tmp-<pid>, then rename), as the contract requires.
# This runs in PowerShell 7 on Linux only: it is the simulation, not a product script.

Set-StrictMode -Version 3.0

function Get-WinSimRoot {
  $root = $env:CERTROLL_WINSIM
  if (-not $root) { throw 'CertrollWinSim: CERTROLL_WINSIM is not set (the simulated host''s state folder)' }
  if (-not [IO.Directory]::Exists($root)) { throw "CertrollWinSim: CERTROLL_WINSIM=$root does not exist" }
  return $root
}

function Get-WinSimPath([string] $Relative) {
  return [IO.Path]::Combine((Get-WinSimRoot), $Relative.Replace('\', '/'))
}

function Read-WinSimJson([string] $Relative, $Default) {
  $path = Get-WinSimPath $Relative
  if (-not [IO.File]::Exists($path)) { return $Default }
  $text = [IO.File]::ReadAllText($path)
  if (-not $text.Trim()) { return $Default }
  return ConvertFrom-Json -InputObject $text -AsHashtable
}

function Write-WinSimText([string] $Path, [string] $Text, [int] $Mode = 0) {
  $dir = [IO.Path]::GetDirectoryName($Path)
  [void][IO.Directory]::CreateDirectory($dir)
  $tmp = "$Path.tmp-$PID"
  [IO.File]::WriteAllText($tmp, $Text)
  if ($Mode -ne 0) { [IO.File]::SetUnixFileMode($tmp, [IO.UnixFileMode]$Mode) }
  [IO.File]::Move($tmp, $Path, $true)
}

function Write-WinSimJson([string] $Relative, $Value) {
  Write-WinSimText (Get-WinSimPath $Relative) ((ConvertTo-Json -InputObject $Value -Depth 10) + "`n")
}

# Read-modify-write of one JSON file under an exclusive lock file, so two simulated processes
# (a service starting while a site stops) never lose each other's change. Bounded: 400 tries.
function Update-WinSimJson([string] $Relative, $Default, [scriptblock] $Change) {
  $lockPath = (Get-WinSimPath $Relative) + '.lock'
  [void][IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($lockPath))
  $lock = $null
  for ($i = 0; $i -lt 400 -and -not $lock; $i++) {
    try { $lock = [IO.File]::Open($lockPath, 'OpenOrCreate', 'ReadWrite', 'None') }
    catch [IO.IOException] { Start-Sleep -Milliseconds 25 }
  }
  if (-not $lock) { throw "CertrollWinSim: $lockPath stayed locked for 10 s" }
  try {
    $value = Read-WinSimJson $Relative $Default
    $value = & $Change $value
    Write-WinSimJson $Relative $value
  } finally { $lock.Dispose() }
}

function Get-WinSimHost {
  $h = Read-WinSimJson 'host.json' @{}
  $defaults = [ordered]@{
    computerName = 'WINSIM'; build = '2019'; locale = 'en'; addresses = @('127.0.0.1')
    psEdition = 'Desktop'; psVersion = '5.1.17763.1'; dotnet = '4.8'
    adminAccounts = @('root'); currentAccount = 'WINSIM\Administrator'; accounts = @()
  }
  foreach ($k in $defaults.Keys) { if (-not $h.ContainsKey($k)) { $h[$k] = $defaults[$k] } }
  return $h
}

# An ErrorRecord shaped like the real cmdlet's (message, FullyQualifiedErrorId, category, target),
# so scripts that match on any of these behave as on Windows.
function New-WinSimError([string] $Message, [string] $ErrorId, [Management.Automation.ErrorCategory] $Category, $Target, [Exception] $Exception) {
  if (-not $Exception) { $Exception = [InvalidOperationException]::new($Message) }
  return [Management.Automation.ErrorRecord]::new($Exception, $ErrorId, $Category, $Target)
}

# ---- accounts -------------------------------------------------------------------------------
# Names LookupAccountName resolves on the simulated host, each mapped to its canonical form
# (DOMAIN\name) and SID. Well-known: https://learn.microsoft.com/windows/win32/secauthz/well-known-sids
# and https://learn.microsoft.com/windows/win32/services/service-user-accounts. A virtual account
# NT SERVICE\<service> exists only for an installed service; a domain account only when listed
# in host.json "accounts" or used as some service's startName.
function Get-WinSimWellKnownAccounts {
  return @(
    @{ names = @('NT AUTHORITY\SYSTEM', 'SYSTEM', '*S-1-5-18'); canonical = 'NT AUTHORITY\SYSTEM'; sid = 'S-1-5-18' }
    @{ names = @('NT AUTHORITY\LOCAL SERVICE', 'LOCAL SERVICE', '*S-1-5-19'); canonical = 'NT AUTHORITY\LOCAL SERVICE'; sid = 'S-1-5-19' }
    @{ names = @('NT AUTHORITY\NETWORK SERVICE', 'NETWORK SERVICE', '*S-1-5-20'); canonical = 'NT AUTHORITY\NETWORK SERVICE'; sid = 'S-1-5-20' }
    @{ names = @('BUILTIN\Administrators', 'Administrators', '*S-1-5-32-544'); canonical = 'BUILTIN\Administrators'; sid = 'S-1-5-32-544' }
    @{ names = @('BUILTIN\Users', 'Users', '*S-1-5-32-545'); canonical = 'BUILTIN\Users'; sid = 'S-1-5-32-545' }
    @{ names = @('Everyone', '*S-1-1-0'); canonical = 'Everyone'; sid = 'S-1-1-0' }
  )
}

# The service control manager's spellings of the built-in accounts (Win32_Service.StartName),
# which are not account names LookupAccountName knows: map them for the service's own checks.
function ConvertFrom-WinSimStartName([string] $StartName) {
  switch -Regex ($StartName) {
    '^(LocalSystem|\.\\LocalSystem)$' { return 'NT AUTHORITY\SYSTEM' }
    '^NT AUTHORITY\\NetworkService$' { return 'NT AUTHORITY\NETWORK SERVICE' }
    '^NT AUTHORITY\\LocalService$' { return 'NT AUTHORITY\LOCAL SERVICE' }
  }
  $r = Resolve-WinSimAccount $StartName
  if ($r) { return $r.canonical }
  return $StartName
}

# $null when the name does not resolve (the caller reports Windows' error 1332).
function Resolve-WinSimAccount([string] $Name) {
  foreach ($a in Get-WinSimWellKnownAccounts) {
    foreach ($n in $a.names) { if ($n -ieq $Name) { return $a } }
  }
  $h = Get-WinSimHost
  $short = $Name
  if ($Name -match '^[^\\]+\\(.+)$') { $short = $Matches[1] }
  $records = @(Get-WinSimServiceRecordsRaw)
  if ($Name -match '^NT SERVICE\\(.+)$') {
    $wanted = $Matches[1]
    $svc = $records | Where-Object { $_.name -ieq $wanted } | Select-Object -First 1
    if ($svc) { return @{ canonical = 'NT SERVICE\' + $svc.name; sid = 'S-1-5-80-' + (Get-WinSimHashSid $svc.name) } }
    return $null
  }
  # SCM spellings are not account names (see sim/lib/winsim.mjs SCM_SPELLINGS).
  $known = @($h.accounts) + @($records | ForEach-Object { $_.startName }) + @($h.currentAccount)
  foreach ($k in $known) {
    if (-not $k -or $k -match '^(\.\\)?LocalSystem$|^NT AUTHORITY\\(NetworkService|LocalService)$') { continue }
    if ($k -ieq $Name -or ($Name -notmatch '\\' -and $k -imatch ('\\' + [regex]::Escape($short) + '$'))) {
      return @{ canonical = $k }
    }
  }
  return $null
}

function Get-WinSimHashSid([string] $Text) {
  $sha = [Security.Cryptography.SHA1]::HashData([Text.Encoding]::Unicode.GetBytes($Text.ToUpperInvariant()))
  return (0..4 | ForEach-Object { [BitConverter]::ToUInt32($sha, $_ * 4) }) -join '-'
}

# Who may read a key whose ACL lists $Acl: the account itself, or a group it is in (SYSTEM is
# a member of Administrators; the simulation knows no other memberships).
function Test-WinSimKeyReadable([string[]] $Acl, [string] $Account) {
  $who = ConvertFrom-WinSimStartName $Account
  foreach ($entry in $Acl) {
    if ($entry -ieq $who) { return $true }
    if ($entry -ieq 'BUILTIN\Administrators' -and $who -ieq 'NT AUTHORITY\SYSTEM') { return $true }
    if ($entry -ieq 'Everyone') { return $true }
  }
  return $false
}

# ---- certificate store ----------------------------------------------------------------------
$script:WinSimStores = @('My', 'WebHosting', 'CA', 'Root', 'TrustedPeople', 'TrustedPublisher', 'Disallowed')

function Get-WinSimStoreDir([string] $Location, [string] $Store) {
  return Get-WinSimPath ("store/$Location/$Store")
}

# Parses a Cert: provider path: Cert:\, Cert:\LocalMachine, Cert:\LocalMachine\My,
# Cert:\LocalMachine\My\<THUMBPRINT> (also with / and the provider-qualified form). $null if the
# path is not a Cert: path.
function ConvertFrom-WinSimCertPath([string] $Path) {
  if (-not $Path) { return $null }
  $p = $Path -replace '^Microsoft\.PowerShell\.Security\\Certificate::', 'Cert:\'
  if ($p -notmatch '^(?i)cert:') { return $null }
  $parts = @(($p.Substring(5) -split '[\\/]') | Where-Object { $_ -ne '' })
  $r = @{ Location = $null; Store = $null; Thumbprint = $null; Path = $Path; Bad = $false; Literal = $true }
  if ($parts.Count -ge 1) { $r.Location = @('LocalMachine', 'CurrentUser') | Where-Object { $_ -ieq $parts[0] } | Select-Object -First 1; if (-not $r.Location) { $r.Location = $parts[0]; $r.Bad = $true } }
  if ($parts.Count -ge 2) { $r.Store = $script:WinSimStores | Where-Object { $_ -ieq $parts[1] } | Select-Object -First 1; if (-not $r.Store) { $r.Store = $parts[1]; $r.Bad = $true } }
  if ($parts.Count -ge 3) { $r.Thumbprint = $parts[2].ToUpperInvariant() }
  if ($parts.Count -ge 4) { $r.Bad = $true }
  return $r
}

function Get-WinSimCertMeta([string] $Location, [string] $Store, [string] $Thumbprint) {
  $rel = "store/$Location/$Store/$Thumbprint.json"
  $m = Read-WinSimJson $rel $null
  if (-not $m) { $m = @{ keyAcl = @('NT AUTHORITY\SYSTEM', 'BUILTIN\Administrators'); keyAlgorithm = $null; keySpec = $null; exportable = $false; friendlyName = '' } }
  return $m
}

# A real X509Certificate2 (with its private key when the store has one), decorated with the
# note properties the Certificate provider adds (PSPath, PSParentPath, PSChildName, ...).
function Get-WinSimCertificate([string] $Location, [string] $Store, [string] $Thumbprint) {
  $dir = Get-WinSimStoreDir $Location $Store
  $cer = [IO.Path]::Combine($dir, "$Thumbprint.cer")
  if (-not [IO.File]::Exists($cer)) { return $null }
  $key = [IO.Path]::Combine($dir, "$Thumbprint.key")
  if ([IO.File]::Exists($key)) {
    $cert = [Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPemFile($cer, $key)
  } else {
    $cert = [Security.Cryptography.X509Certificates.X509Certificate2]::new($cer)
  }
  $meta = Get-WinSimCertMeta $Location $Store $Thumbprint
  if ($meta.friendlyName) { try { $cert.FriendlyName = $meta.friendlyName } catch { $null = $_ } }
  Add-WinSimProviderProperties $cert "$Location\$Store" $Thumbprint
  return $cert
}

function Add-WinSimProviderProperties($Object, [string] $Parent, [string] $Child) {
  $base = 'Microsoft.PowerShell.Security\Certificate::'
  $Object | Add-Member -NotePropertyName PSPath -NotePropertyValue ($base + $Parent + '\' + $Child) -Force
  $Object | Add-Member -NotePropertyName PSParentPath -NotePropertyValue ($base + $Parent) -Force
  $Object | Add-Member -NotePropertyName PSChildName -NotePropertyValue $Child -Force
  $Object | Add-Member -NotePropertyName PSIsContainer -NotePropertyValue $false -Force
}

function Get-WinSimStoreThumbprints([string] $Location, [string] $Store) {
  $dir = Get-WinSimStoreDir $Location $Store
  if (-not [IO.Directory]::Exists($dir)) { return @() }
  return @([IO.Directory]::GetFiles($dir, '*.cer') | ForEach-Object { [IO.Path]::GetFileNameWithoutExtension($_) } | Sort-Object)
}

# Finds a thumbprint in any LocalMachine store (certutil and IIS look up by hash).
function Find-WinSimCertificate([string] $Thumbprint, [string] $Store = $null) {
  $t = $Thumbprint.ToUpperInvariant() -replace '\s', ''
  $stores = if ($Store) { @($Store) } else { $script:WinSimStores }
  foreach ($s in $stores) {
    if ([IO.File]::Exists([IO.Path]::Combine((Get-WinSimStoreDir 'LocalMachine' $s), "$t.cer"))) { return @{ Store = $s; Thumbprint = $t } }
  }
  return $null
}

# Secrets never pass through a function parameter here: with module logging on, PowerShell logs
# every parameter binding of a module's functions (ParameterBinding ... value="..."), so the key
# is exported, encoded and written by .NET calls inside one function that takes only the
# certificate object and paths.
function Save-WinSimCertificate([string] $Location, [string] $Store, [Security.Cryptography.X509Certificates.X509Certificate2] $Cert, [Collections.IDictionary] $Meta) {
  $dir = Get-WinSimStoreDir $Location $Store
  $t = $Cert.Thumbprint.ToUpperInvariant()
  if ($Meta) {
    Write-WinSimKeyFile $Cert ([IO.Path]::Combine($dir, "$t.key"))
    Write-WinSimJson "store/$Location/$Store/$t.json" $Meta
  }
  Write-WinSimText ([IO.Path]::Combine($dir, "$t.cer")) (ConvertTo-WinSimPem 'CERTIFICATE' $Cert.RawData)
}

# The certificate's private key as PKCS#8 PEM, mode 0600, written atomically.
function Write-WinSimKeyFile([Security.Cryptography.X509Certificates.X509Certificate2] $Cert, [string] $Path) {
  $key = [Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($Cert)
  if (-not $key) { $key = [Security.Cryptography.X509Certificates.ECDsaCertificateExtensions]::GetECDsaPrivateKey($Cert) }
  if (-not $key) { throw "CertrollWinSim: the private key of $($Cert.Thumbprint) is neither RSA nor EC" }
  $b64 = [Convert]::ToBase64String($key.ExportPkcs8PrivateKey(), [Base64FormattingOptions]::InsertLineBreaks).Replace("`r`n", "`n")
  [void][IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($Path))
  $tmp = "$Path.tmp-$PID"
  [IO.File]::WriteAllText($tmp, '')
  [IO.File]::SetUnixFileMode($tmp, [IO.UnixFileMode]384)  # 0600 before the key is in it
  [IO.File]::WriteAllText($tmp, "-----BEGIN PRIVATE KEY-----`n" + $b64 + "`n-----END PRIVATE KEY-----`n")
  [IO.File]::Move($tmp, $Path, $true)
  $b64 = $null
  $key.Dispose()
}

# PEM text of public data (64-column base64); PemEncoding.WriteString takes spans, which
# PowerShell cannot pass.
function ConvertTo-WinSimPem([string] $Label, [byte[]] $Bytes) {
  $b64 = [Convert]::ToBase64String($Bytes)
  $lines = for ($i = 0; $i -lt $b64.Length; $i += 64) { $b64.Substring($i, [Math]::Min(64, $b64.Length - $i)) }
  return "-----BEGIN $Label-----`n" + ($lines -join "`n") + "`n-----END $Label-----`n"
}

function Get-WinSimKeyAlgorithm([Security.Cryptography.X509Certificates.X509Certificate2] $Cert) {
  switch ($Cert.PublicKey.Oid.Value) {
    '1.2.840.113549.1.1.1' { return 'RSA' }
    '1.2.840.10045.2.1' { return 'EC' }
  }
  return $Cert.PublicKey.Oid.FriendlyName
}

# ---- services ---------------------------------------------------------------------------------
# The records as stored, without completing pending starts (what account lookups read: a start
# that completes checks accounts, which must not complete starts again).
function Get-WinSimServiceRecordsRaw {
  $dir = Get-WinSimPath 'services'
  if (-not [IO.Directory]::Exists($dir)) { return @() }
  return @([IO.Directory]::GetFiles($dir, '*.json') | Sort-Object | ForEach-Object {
      ConvertFrom-Json -InputObject ([IO.File]::ReadAllText($_)) -AsHashtable })
}

function Get-WinSimServiceRecords {
  return @(Get-WinSimServiceRecordsRaw | ForEach-Object { Resolve-WinSimServiceRecord $_ })
}

# One service's record: its own file when the name matches it exactly, else (service names are
# case-insensitive on Windows) a scan of the folder.
function Get-WinSimServiceRecord([string] $Name) {
  $path = Get-WinSimPath (Get-WinSimServiceFile $Name)
  if ([IO.File]::Exists($path)) {
    $r = ConvertFrom-Json -InputObject ([IO.File]::ReadAllText($path)) -AsHashtable
    if ($r.name -ceq $Name) { return Resolve-WinSimServiceRecord $r }
  }
  foreach ($r in Get-WinSimServiceRecords) { if ($r.name -ieq $Name) { return $r } }
  return $null
}

function Get-WinSimServiceFile([string] $Name) { return "services/$Name.json" }

function Save-WinSimServiceRecord([hashtable] $Record) {
  Write-WinSimJson (Get-WinSimServiceFile $Record.name) $Record
}

# A start that was pending when its process went away (a killed Start-Service) completes on the
# next read, as the real service would have gone on starting without the caller.
function Resolve-WinSimServiceRecord([hashtable] $Record) {
  foreach ($k in @('displayName', 'startName', 'kind', 'startDelayMs', 'startType', 'ports', 'certificateFrom')) {
    if (-not $Record.ContainsKey($k)) { $Record[$k] = $null }
  }
  if (-not $Record.displayName) { $Record.displayName = $Record.name }
  if (-not $Record.startName) { $Record.startName = 'LocalSystem' }
  if (-not $Record.kind) { $Record.kind = 'generic' }
  if ($null -eq $Record.startDelayMs) { $Record.startDelayMs = 0 }
  if (-not $Record.startType) { $Record.startType = 'Automatic' }
  if ($Record.status -eq 'StartPending' -and $Record.ContainsKey('pendingUntil') -and [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() -ge [long]$Record.pendingUntil) {
    $Record = Complete-WinSimServiceStart $Record
  }
  return $Record
}

# What a service checks when it starts: $null when it can run, else the reason (the text the
# application writes to the event log): `failStart` (a service configured to fail), a BC service
# tier's certificate checks, a generic service's certificate read (`certificateFrom`).
function Get-WinSimStartFailure([hashtable] $Record) {
  if ($Record.ContainsKey('failStart') -and $Record.failStart) { return [string]$Record.failStart }
  if ($Record.kind -eq 'bc') { return Get-WinSimBcStartFailure $Record }
  if ($Record.certificateFrom) { return Get-WinSimServiceCertFailure $Record }
  return $null
}

# A generic service with its own TLS listener that takes, at start, the certificate http.sys binds
# to `certificateFrom` (an ipport such as 0.0.0.0:443), as the SSTP service does with the
# certificate of 0.0.0.0:443: it opens the private key as its own account, so it fails to start
# when the key is missing or its account may not read it, and serves that certificate until it
# is restarted. The failure texts are the simulation's own (a real service words its event log
# entry itself); "Keyset does not exist" is what CryptoAPI reports for an unreadable key.
function Get-WinSimServiceCertificate([hashtable] $Record) {
  $b = Find-WinSimSslBinding @{ type = 'ipport'; endpoint = [string]$Record.certificateFrom }
  $prefix = "The $($Record.displayName) service could not load its certificate:"
  if (-not $b -or -not $b.certhash) { return @{ failure = "$prefix no certificate is bound to $($Record.certificateFrom)." } }
  $store = $script:WinSimStores | Where-Object { $_ -ieq [string]$b.certstorename } | Select-Object -First 1
  if (-not $store) { $store = 'My' }
  $t = ([string]$b.certhash).ToUpperInvariant()
  $dir = Get-WinSimStoreDir 'LocalMachine' $store
  if (-not [IO.File]::Exists([IO.Path]::Combine($dir, "$t.cer"))) { return @{ failure = "$prefix the certificate $t is not in LocalMachine\$store." } }
  if (-not [IO.File]::Exists([IO.Path]::Combine($dir, "$t.key"))) { return @{ failure = "$prefix the certificate $t has no private key." } }
  $meta = Get-WinSimCertMeta 'LocalMachine' $store $t
  if (-not (Test-WinSimKeyReadable @($meta.keyAcl) $Record.startName)) {
    return @{ failure = "$prefix System.Security.Cryptography.CryptographicException: Keyset does not exist (the private key of $t, read as $($Record.startName))." }
  }
  return @{ store = $store; thumbprint = $t }
}

function Get-WinSimServiceCertFailure([hashtable] $Record) {
  $c = Get-WinSimServiceCertificate $Record
  if ($c.ContainsKey('failure')) { return $c.failure }
  return $null
}

function Complete-WinSimServiceStart([hashtable] $Record) {
  $reason = Get-WinSimStartFailure $Record
  $Record.Remove('pendingUntil')
  if ($reason) {
    $Record.status = 'Stopped'
    $Record.lastError = $reason
    $Record.processId = 0
  } else {
    $Record.status = 'Running'
    $Record.lastError = $null
    $Record.processId = 1000 + (Get-Random -Maximum 60000)
    Register-WinSimServiceListeners $Record
  }
  Save-WinSimServiceRecord $Record
  return $Record
}

# ---- http.sys registrations (listeners.json) ------------------------------------------------
function Get-WinSimServiceOwner([hashtable] $Record) {
  if ($Record.kind -eq 'bc') { return 'BC:' + $Record.instance }
  return 'SVC:' + $Record.name
}

function Register-WinSimServiceListeners([hashtable] $Record) {
  if ($Record.kind -eq 'bc') { Set-WinSimListeners (Get-WinSimServiceOwner $Record) (Get-WinSimBcSslPorts $Record.instance) }
  if ($Record.kind -eq 'iis') { Save-WinSimServiceRecord $Record; Sync-WinSimIisListeners }
  if ($Record.kind -eq 'generic' -and $Record.ports) {
    # Its own listener holds the certificate it loaded now (certhash: the TLS server serves it,
    # not the sslcert table); without certificateFrom it is an http.sys application.
    $c = if ($Record.certificateFrom) { Get-WinSimServiceCertificate $Record } else { @{} }
    $eps = @(foreach ($p in @($Record.ports)) {
        $e = @{ address = '0.0.0.0'; port = [int]$p }
        if ($c.ContainsKey('thumbprint')) { $e.certhash = $c.thumbprint; $e.certstorename = $c.store }
        $e
      })
    Set-WinSimListeners (Get-WinSimServiceOwner $Record) $eps
  }
}

function Unregister-WinSimServiceListeners([hashtable] $Record) {
  if ($Record.kind -eq 'bc') { Set-WinSimListeners (Get-WinSimServiceOwner $Record) @() }
  if ($Record.kind -eq 'iis') { $Record.status = 'Stopped'; Save-WinSimServiceRecord $Record; Sync-WinSimIisListeners }
  if ($Record.kind -eq 'generic' -and $Record.ports) { Set-WinSimListeners (Get-WinSimServiceOwner $Record) @() }
}

# Replaces every registration of $Owner with $Endpoints (@{ address; port }).
function Set-WinSimListeners([string] $Owner, $Endpoints) {
  Update-WinSimJson 'httpsys/listeners.json' @{ listeners = @() } {
    param($state)
    $keep = @(@($state.listeners) | Where-Object { $_ -and $_.owner -ne $Owner })
    $add = @(foreach ($e in @($Endpoints)) {
        if (-not $e) { continue }
        $l = [ordered]@{ owner = $Owner; address = $e.address; port = [int]$e.port }
        if ($e.ContainsKey('certhash')) { $l.certhash = $e.certhash; $l.certstorename = $e.certstorename }
        $l
      })
    $state.listeners = @($keep + $add)
    return $state
  }.GetNewClosure()
}

# ---- Business Central service tier ----------------------------------------------------------
function Get-WinSimBcConfigPath([string] $Instance) {
  return Get-WinSimPath "bc/$Instance/CustomSettings.config"
}

function Read-WinSimBcConfig([string] $Instance) {
  $path = Get-WinSimBcConfigPath $Instance
  if (-not [IO.File]::Exists($path)) { return $null }
  $xml = [xml]::new()
  $xml.PreserveWhitespace = $true
  $xml.Load($path)
  return $xml
}

function Get-WinSimBcSettings([string] $Instance) {
  $xml = Read-WinSimBcConfig $Instance
  $map = [ordered]@{}
  if ($xml) { foreach ($n in $xml.SelectNodes('/appSettings/add')) { $map[$n.GetAttribute('key')] = $n.GetAttribute('value') } }
  return $map
}

# The web service ports a started instance registers with http.sys: SSL-enabled SOAP, OData,
# developer, management API and snapshot debugger endpoints (ClientServicesPort and
# ManagementServicesPort are net.tcp, not http.sys).
function Get-WinSimBcSslPorts([string] $Instance) {
  $s = Get-WinSimBcSettings $Instance
  return @(foreach ($svc in @('SOAPServices', 'ODataServices', 'DeveloperServices', 'ManagementApiServices', 'SnapshotDebuggerServices')) {
      $port = $s[$svc + 'Port']
      $ssl = $s[$svc + 'SSLEnabled']
      $enabled = $s[$svc + 'Enabled']
      if ($port -and $ssl -eq 'true' -and $enabled -ne 'false') { @{ address = '0.0.0.0'; port = [int]$port } }
    })
}

# Why a BC instance refuses to start with its certificate, worded as BC/WCF log it to the
# Application event log (Microsoft Learn, "Using Certificates to Secure ... Business Central":
# the service account needs read access to the key; WCF requires a key "capable of key exchange").
function Get-WinSimBcStartFailure([hashtable] $Record) {
  $s = Get-WinSimBcSettings $Record.instance
  if ($s.Count -eq 0) { return "The configuration file bc/$($Record.instance)/CustomSettings.config is missing or empty." }
  $thumb = [string]$s['ServicesCertificateThumbprint']
  if (-not $thumb) { return $null }
  $t = $thumb.ToUpperInvariant() -replace '[^0-9A-F]', ''
  $prefix = "The service $($Record.name) failed to start. This could be caused by a configuration error. Detailed error information:"
  $cert = $null
  if ([IO.File]::Exists([IO.Path]::Combine((Get-WinSimStoreDir 'LocalMachine' 'My'), "$t.cer"))) { $cert = Get-WinSimCertificate 'LocalMachine' 'My' $t }
  if (-not $cert) { return "$prefix System.ArgumentException: The certificate with thumbprint '$thumb' could not be found in the 'My' store of 'LocalMachine'." }
  if ($cert.NotAfter -lt [DateTime]::Now) { return "$prefix System.ArgumentException: The certificate with thumbprint '$thumb' expired on $($cert.NotAfter.ToString('u'))." }
  if (-not $cert.HasPrivateKey) { return "$prefix System.ArgumentException: The certificate 'CN=$($cert.GetNameInfo('SimpleName', $false))' must have a private key. The process must have access rights for the private key." }
  $meta = Get-WinSimCertMeta 'LocalMachine' 'My' $t
  $subject = $cert.Subject
  if (-not (Test-WinSimKeyReadable @($meta.keyAcl) $Record.startName)) {
    return "$prefix System.ArgumentException: It is likely that certificate '$subject' may not have a private key that is capable of key exchange or the process may not have access rights for the private key. ---> System.Security.Cryptography.CryptographicException: Keyset does not exist"
  }
  if ($meta.keySpec -ne 'exchange') {
    return "$prefix System.ArgumentException: It is likely that certificate '$subject' may not have a private key that is capable of key exchange or the process may not have access rights for the private key. ---> System.Security.Cryptography.CryptographicException: Invalid provider type specified."
  }
  return $null
}

# ---- IIS (iis/applicationHost.json) ---------------------------------------------------------
# { "sites": [ { "name", "id", "state": "Started"|"Stopped", "physicalPath",
#   "bindings": [ { "protocol", "bindingInformation": "<ip|*>:<port>:<host>", "sslFlags" } ] } ] }
# As in IIS 7+, a binding's certificate is not in applicationHost but in http.sys: sslFlags 0
# is an ipport entry (* = 0.0.0.0), 1 (SNI) a hostnameport entry, 2 and 3 (Central Certificate
# Store) the ccs entry of the port (Microsoft Learn, IIS configuration reference
# "Binding <binding>", sslFlags).
$script:IisAppId = '{4dc3e181-e14b-4a21-b022-59fc669b0914}'

function Get-WinSimIis {
  $doc = Read-WinSimJson 'iis/applicationHost.json' @{ sites = @() }
  if (-not $doc.ContainsKey('sites')) { $doc.sites = @() }
  foreach ($s in $doc.sites) {
    if (-not $s.ContainsKey('bindings')) { $s.bindings = @() }
    if (-not $s.ContainsKey('state')) { $s.state = 'Started' }
    foreach ($b in $s.bindings) { if (-not $b.ContainsKey('sslFlags')) { $b.sslFlags = 0 } }
  }
  return $doc
}

function Save-WinSimIis($Doc) {
  Write-WinSimJson 'iis/applicationHost.json' $Doc
  Sync-WinSimIisListeners
}

function Split-WinSimBindingInfo([string] $Info) {
  if ($Info -notmatch '^(\*|\[[0-9A-Fa-f:.]+\]|[0-9.]+):(\d+):(.*)$') { throw "CertrollWinSim: bindingInformation '$Info' is not <ip>:<port>:<host>" }
  return @{ ip = $Matches[1]; port = [int]$Matches[2]; host = $Matches[3] }
}

# The http.sys sslcert entry (type, endpoint) an https binding uses.
function Get-WinSimSslEndpoint([string] $Info, [int] $SslFlags) {
  $b = Split-WinSimBindingInfo $Info
  if ($SslFlags -band 2) { return @{ type = 'ccs'; endpoint = [string]$b.port } }
  if ($SslFlags -band 1) { return @{ type = 'hostnameport'; endpoint = "$($b.host):$($b.port)" } }
  $ip = if ($b.ip -eq '*') { '0.0.0.0' } else { $b.ip }
  return @{ type = 'ipport'; endpoint = "${ip}:$($b.port)" }
}

function Get-WinSimSslBindings {
  $doc = Read-WinSimJson 'httpsys/sslcert.json' @{ bindings = @() }
  return @($doc.bindings | Where-Object { $_ })
}

function Find-WinSimSslBinding([hashtable] $Endpoint) {
  foreach ($b in Get-WinSimSslBindings) {
    if ($b.type -eq $Endpoint.type -and ([string]$b.endpoint).ToLowerInvariant() -eq $Endpoint.endpoint.ToLowerInvariant()) { return $b }
  }
  return $null
}

function Set-WinSimSslBinding([hashtable] $Endpoint, $Entry) {
  Update-WinSimJson 'httpsys/sslcert.json' @{ bindings = @() } {
    param($doc)
    $keep = @(@($doc.bindings) | Where-Object { $_ -and -not ($_.type -eq $Endpoint.type -and ([string]$_.endpoint).ToLowerInvariant() -eq $Endpoint.endpoint.ToLowerInvariant()) })
    if ($Entry) { $keep += , $Entry }
    $doc.bindings = $keep
    return $doc
  }.GetNewClosure()
}

# Started sites' https bindings are what IIS registers with http.sys (owner IIS:<site>), while
# W3SVC runs (or when the host has no W3SVC service record).
function Sync-WinSimIisListeners {
  $w3 = Get-WinSimServiceRecord 'W3SVC'
  $running = (-not $w3) -or $w3.status -eq 'Running'
  foreach ($s in (Get-WinSimIis).sites) {
    $eps = @()
    if ($running -and $s.state -eq 'Started') {
      foreach ($b in $s.bindings) {
        if ($b.protocol -ne 'https') { continue }
        $i = Split-WinSimBindingInfo $b.bindingInformation
        $addr = if ($i.ip -eq '*') { '0.0.0.0' } else { $i.ip.Trim('[', ']') }
        $eps += @{ address = $addr; port = $i.port }
      }
    }
    Set-WinSimListeners ('IIS:' + $s.name) $eps
  }
}
