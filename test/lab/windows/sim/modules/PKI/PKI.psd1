@{
  RootModule = 'PKI.psm1'
  ModuleVersion = '1.0.0.0'
  GUID = 'cbe7ed3e-6a4c-4c0f-9a53-0a3d2c7f0001'
  Description = 'certroll test lab: the PKI module of the simulated Windows host (Import-PfxCertificate).'
  FunctionsToExport = @('Import-PfxCertificate')
  CmdletsToExport = @()
  AliasesToExport = @()
}
