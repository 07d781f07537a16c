@{
  RootModule = 'CertrollWinSim.psm1'
  ModuleVersion = '1.0.0.0'
  GUID = 'cbe7ed3e-6a4c-4c0f-9a53-0a3d2c7f0000'
  Description = 'certroll test lab: the simulated Windows host (Cert: provider paths, services).'
  FunctionsToExport = @('Get-Item', 'Get-ChildItem', 'Test-Path', 'Remove-Item', 'Get-ItemProperty', 'Get-Service', 'Start-Service', 'Stop-Service', 'Restart-Service')
  CmdletsToExport = @()
  AliasesToExport = @()
}
