# The PKI module's Import-PfxCertificate (Microsoft Learn, powershell/module/pki/import-pfxcertificate)
# over the simulated LocalMachine store, parsing the PFX with .NET's real PKCS#12 code:
#  - a wrong password fails with Windows' text "The specified network password is not correct."
#    (Win32 error 86, ERROR_INVALID_PASSWORD); so does an AES-256 (PBES2) PFX on Windows Server
#    2012 R2 and 2016, which can only decrypt 3DES/RC2 PFX files (Microsoft Learn,
#    Export-PfxCertificate -CryptoAlgorithmOption: AES256_SHA256 needs Windows 10 1709 /
#    Server 2019 to import);
#  - each certificate with a private key goes to -CertStoreLocation (certificate PEM, PKCS#8 key
#    mode 0600, metadata JSON), the chain to CA (intermediates) or Root (self-signed), as the
#    PFX import does; the output is the certificates placed in -CertStoreLocation;
#  - the key's metadata: algorithm RSA/EC, key spec (an RSA key imported from a PFX is an exchange
#    key unless the PFX marks it signature-only with the key usage bag attribute 2.5.29.15, as
#    `openssl pkcs12 -keysig` writes; an EC key never is), exportable (-Exportable), and the key
#    ACL Windows gives a machine key: SYSTEM and Administrators.
. (Join-Path $PSScriptRoot '../CertrollWinSim/WinSimCore.ps1')

$script:Pbes2Oid = [byte[]](0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x05, 0x0D)

# Parameters carry paths and SecureStrings only: module logging records every parameter
# binding, so neither the PFX bytes nor its password may be one.
function Test-PfxUsesPbes2([string] $Path) {
  $Bytes = [IO.File]::ReadAllBytes($Path)
  $n = $script:Pbes2Oid.Length
  for ($i = 0; $i -le $Bytes.Length - $n; $i++) {
    if ($Bytes[$i] -ne 0x06) { continue }
    $hit = $true
    for ($j = 1; $j -lt $n; $j++) { if ($Bytes[$i + $j] -ne $script:Pbes2Oid[$j]) { $hit = $false; break } }
    if ($hit) { return $true }
  }
  return $false
}

# 'signature' when the PFX marks its key signature-only: the PKCS#8 key attribute X509v3 Key
# Usage (2.5.29.15) without keyEncipherment (0x10), as `openssl pkcs12 -export -keysig` writes
# (0x80) and Windows reads into AT_SIGNATURE. That attribute sits inside the encrypted PKCS#8,
# which .NET decrypts only through span APIs PowerShell cannot call, so the real openssl CLI
# reads it, started through .NET (its output holds the key: piped through a PowerShell command
# it would be in the module log), the password in its environment, never in its arguments.
function Get-PfxKeySpec([string] $Path, [securestring] $Password) {
  foreach ($legacy in @($false, $true)) {
    $psi = [Diagnostics.ProcessStartInfo]::new('openssl')
    foreach ($a in @('pkcs12', '-in', $Path, '-nocerts', '-nodes', '-passin', 'env:CERTROLL_WINSIM_PFXPASS')) { $psi.ArgumentList.Add($a) }
    if ($legacy) { $psi.ArgumentList.Add('-legacy') }
    $psi.Environment['CERTROLL_WINSIM_PFXPASS'] = $(if ($Password) { [Net.NetworkCredential]::new('', $Password).Password } else { '' })
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $proc = [Diagnostics.Process]::Start($psi)
    [void]$psi.Environment.Remove('CERTROLL_WINSIM_PFXPASS')
    $errTask = $proc.StandardError.ReadToEndAsync()
    $text = $proc.StandardOutput.ReadToEnd()
    if (-not $proc.WaitForExit(20000)) { $proc.Kill(); throw 'CertrollWinSim: openssl pkcs12 did not finish in 20 s' }
    [void]$errTask.Result
    $code = $proc.ExitCode
    $m = [regex]::Match($text, 'X509v3 Key Usage: ([0-9A-Fa-f]{2})')
    $text = $null
    if ($code -ne 0) { continue }
    if ($m.Success -and ([Convert]::ToInt32($m.Groups[1].Value, 16) -band 0x10) -eq 0) { return 'signature' }
    return 'exchange'
  }
  return 'exchange'
}

function New-PfxPasswordError([string] $FilePath) {
  $win32 = [ComponentModel.Win32Exception]::new(86, 'The specified network password is not correct.')
  return New-WinSimError 'The specified network password is not correct.' 'System.ComponentModel.Win32Exception,Microsoft.CertificateServices.Commands.ImportPfxCertificate' NotSpecified $FilePath $win32
}

function Import-PfxCertificate {
  [CmdletBinding(SupportsShouldProcess = $true)]
  param(
    [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)] [Alias('FullName')] [string] $FilePath,
    [Parameter(Position = 1)] [string] $CertStoreLocation,
    [securestring] $Password,
    [switch] $Exportable,
    [string] $ProtectPrivateKey
  )
  process {
    if (-not $CertStoreLocation) { $CertStoreLocation = 'Cert:\CurrentUser\My' }
    $target = ConvertFrom-WinSimCertPath $CertStoreLocation
    if (-not $target -or -not $target.Store -or $target.Thumbprint -or $target.Bad) {
      $msg = "Cannot find path '$CertStoreLocation' because it does not exist."
      $PSCmdlet.WriteError((New-WinSimError $msg 'PathNotFound,Microsoft.CertificateServices.Commands.ImportPfxCertificate' ObjectNotFound $CertStoreLocation ([Management.Automation.ItemNotFoundException]::new($msg))))
      return
    }
    $path = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($FilePath)
    if (-not [IO.File]::Exists($path)) {
      $msg = "The system cannot find the file specified. 0x80070002 (WIN32: 2 ERROR_FILE_NOT_FOUND)"
      $PSCmdlet.WriteError((New-WinSimError $msg 'System.IO.FileNotFoundException,Microsoft.CertificateServices.Commands.ImportPfxCertificate' ObjectNotFound $FilePath))
      return
    }
    $plain = if ($Password) { [Net.NetworkCredential]::new('', $Password).Password } else { '' }
    $bytes = [IO.File]::ReadAllBytes($path)
    try {
      $build = (Get-WinSimHost).build
      $pbes2 = Test-PfxUsesPbes2 $path
      if ($build -in @('2012r2', '2016') -and $pbes2) { $PSCmdlet.WriteError((New-PfxPasswordError $FilePath)); return }
      $all = [Security.Cryptography.X509Certificates.X509Certificate2Collection]::new()
      try { $all.Import($bytes, $plain, [Security.Cryptography.X509Certificates.X509KeyStorageFlags]::Exportable) }
      catch [Security.Cryptography.CryptographicException] { $PSCmdlet.WriteError((New-PfxPasswordError $FilePath)); return }
      $keySpec = Get-PfxKeySpec $path $Password
      if (-not $PSCmdlet.ShouldProcess($CertStoreLocation, "Import $FilePath")) { return }
      foreach ($c in $all) {
        if ($c.HasPrivateKey) {
          $alg = Get-WinSimKeyAlgorithm $c
          $meta = [ordered]@{
            keyAcl = @('NT AUTHORITY\SYSTEM', 'BUILTIN\Administrators')
            keyAlgorithm = $alg
            keySpec = $(if ($alg -eq 'RSA') { $keySpec } else { 'signature' })
            exportable = [bool]$Exportable
            friendlyName = [string]$c.FriendlyName
            # What the PFX was encrypted with (tests: certroll picks it by the host's build).
            importedFrom = $(if ($pbes2) { 'pfx-pbes2' } else { 'pfx-legacy' })
          }
          Save-WinSimCertificate $target.Location $target.Store $c $meta
          $PSCmdlet.WriteObject((Get-WinSimCertificate $target.Location $target.Store $c.Thumbprint))
        } else {
          $store = if ($c.Subject -eq $c.Issuer) { 'Root' } else { 'CA' }
          Save-WinSimCertificate $target.Location $store $c $null
        }
      }
    } finally {
      [Array]::Clear($bytes, 0, $bytes.Length)
      $plain = $null
    }
  }
}

Export-ModuleMember -Function Import-PfxCertificate
