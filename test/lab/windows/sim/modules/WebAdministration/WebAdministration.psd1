@{
  RootModule = 'WebAdministration.psm1'
  ModuleVersion = '1.0.0.0'
  GUID = 'cbe7ed3e-6a4c-4c0f-9a53-0a3d2c7f0004'
  Description = 'certroll test lab: the WebAdministration subset of the simulated Windows host.'
  FunctionsToExport = @('Get-Website', 'Get-WebBinding', 'New-WebBinding', 'Remove-WebBinding', 'Start-Website', 'Stop-Website')
  CmdletsToExport = @()
  AliasesToExport = @()
}
