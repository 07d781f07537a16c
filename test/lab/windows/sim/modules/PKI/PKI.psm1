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

function Test-PfxUsesPbes2([byte[]] $Bytes) {
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
# reads it here (the password in its environment, never in its arguments).
function Get-PfxKeySpec([string] $Path, [string] $Password) {
  $env:CERTROLL_WINSIM_PFXPASS = $Password
  try {
    foreach ($legacy in @($false, $true)) {
      $openArgs = @('pkcs12', '-in', $Path, '-nocerts', '-nodes', '-passin', 'env:CERTROLL_WINSIM_PFXPASS')
      if ($legacy) { $openArgs += '-legacy' }
      $text = & openssl @openArgs 2>$null | Out-String
      if ($LASTEXITCODE -ne 0) { continue }
      if ($text -match 'X509v3 Key Usage: ([0-9A-Fa-f]{2})') {
        if (([Convert]::ToInt32($Matches[1], 16) -band 0x10) -eq 0) { return 'signature' }
      }
      return 'exchange'
    }
    return 'exchange'
  } finally { [Environment]::SetEnvironmentVariable('CERTROLL_WINSIM_PFXPASS', $null) }
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
      if ($build -in @('2012r2', '2016') -and (Test-PfxUsesPbes2 $bytes)) { $PSCmdlet.WriteError((New-PfxPasswordError $FilePath)); return }
      $all = [Security.Cryptography.X509Certificates.X509Certificate2Collection]::new()
      try { $all.Import($bytes, $plain, [Security.Cryptography.X509Certificates.X509KeyStorageFlags]::Exportable) }
      catch [Security.Cryptography.CryptographicException] { $PSCmdlet.WriteError((New-PfxPasswordError $FilePath)); return }
      $keySpec = Get-PfxKeySpec $path $plain
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
