@{
  RootModule = 'CimCmdlets.psm1'
  ModuleVersion = '1.0.0.0'
  GUID = 'cbe7ed3e-6a4c-4c0f-9a53-0a3d2c7f0003'
  Description = 'certroll test lab: Get-CimInstance of the simulated Windows host (Win32_Service, Win32_OperatingSystem).'
  FunctionsToExport = @('Get-CimInstance')
  CmdletsToExport = @()
  AliasesToExport = @()
}
