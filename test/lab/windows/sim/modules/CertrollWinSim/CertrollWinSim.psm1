# The simulated Windows host's core for PowerShell 7 on Linux: the Cert: provider paths of the
# LocalMachine store (through proxies of Get-Item, Get-ChildItem, Test-Path and Remove-Item that
# hand every other path to the real cmdlets) and the service cmdlets Get-Service, Start-Service,
# Stop-Service, Restart-Service over services/*.json, and the .NET Framework registry key
# (Registry.ps1). State layout: docs/windows-simulation.md.
. (Join-Path $PSScriptRoot 'WinSimCore.ps1')
. (Join-Path $PSScriptRoot 'CertProvider.ps1')
. (Join-Path $PSScriptRoot 'Services.ps1')
. (Join-Path $PSScriptRoot 'Drives.ps1')
. (Join-Path $PSScriptRoot 'Registry.ps1')

Export-ModuleMember -Function @(
  'Get-Item', 'Get-ChildItem', 'Test-Path', 'Remove-Item', 'Get-ItemProperty',
  'Get-Service', 'Start-Service', 'Stop-Service', 'Restart-Service'
)
