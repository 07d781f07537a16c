@{
  RootModule = 'Microsoft.Dynamics.Nav.Management.psm1'
  ModuleVersion = '24.0.16410.0'
  GUID = 'cbe7ed3e-6a4c-4c0f-9a53-0a3d2c7f0002'
  Description = 'certroll test lab: the Business Central administration cmdlets of the simulated Windows host.'
  FunctionsToExport = @('Get-NAVServerInstance', 'Get-NAVServerConfiguration', 'Set-NAVServerConfiguration')
  CmdletsToExport = @()
  AliasesToExport = @()
}
