@{
  RootModule = 'IISAdministration.psm1'
  ModuleVersion = '1.1.0.0'
  GUID = 'cbe7ed3e-6a4c-4c0f-9a53-0a3d2c7f0005'
  Description = 'certroll test lab: the IISAdministration subset of the simulated Windows host.'
  FunctionsToExport = @('Get-IISSite', 'Get-IISSiteBinding')
  CmdletsToExport = @()
  AliasesToExport = @()
}
