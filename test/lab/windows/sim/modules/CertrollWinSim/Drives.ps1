# The simulated host's C: drive: C:\ paths (the state folder C:\ProgramData\certroll, the host
# lock, staged files) land in <simroot>/C through PowerShell's provider, so every host keeps its
# own files, as separate Windows machines do. %ProgramData% and %TEMP% point into it as on
# Windows. .NET's own file APIs do not see PowerShell drives: scripts that pass a C:\ path to
# [IO.File] would not run here (nor, with a relative current folder, reliably on Windows).
$winSimC = Join-Path (Get-WinSimRoot) 'C'
foreach ($dir in @($winSimC, (Join-Path $winSimC 'ProgramData'), (Join-Path $winSimC 'Windows/Temp'))) {
  if (-not (Microsoft.PowerShell.Management\Test-Path -LiteralPath $dir)) { $null = New-Item -ItemType Directory -Path $dir }
}
if (-not (Get-PSDrive -Name C -ErrorAction SilentlyContinue)) {
  $null = New-PSDrive -Name C -PSProvider FileSystem -Root $winSimC -Scope Global
}
if (-not $env:ProgramData) { $env:ProgramData = 'C:\ProgramData' }
