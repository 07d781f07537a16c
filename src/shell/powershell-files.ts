// Static PowerShell scripts for writing and removing files (the PowerShell transports' putFile and
// remove). They contain no value at all: path, bytes and mode arrive as JSON input, read by the
// prelude into $certrollInput.

/**
 * Writes `data` (base64) to `path` atomically: a new temp file beside it (CreateNew: a planted
 * file or link makes it fail), restricted to SYSTEM and Administrators with icacls while it is
 * still empty when `private` is true, then filled and moved over the target; the temp file is
 * removed on failure. icacls, not .NET's FileSecurity: the same tool an administrator would use,
 * and one that Windows PowerShell 5.1 and PowerShell 7 run alike.
 */
export const PS_PUT_FILE = [
  "$ErrorActionPreference = 'Stop'",
  '$path = [string]$certrollInput.path',
  '$bytes = [Convert]::FromBase64String([string]$certrollInput.data)',
  '$dir = [IO.Path]::GetDirectoryName($path)',
  "$tmp = Join-Path $dir ('.certroll-' + [Guid]::NewGuid().ToString('N') + '.tmp')",
  'try {',
  "  (New-Object IO.FileStream($tmp, 'CreateNew', 'Write', 'None')).Dispose()",
  '  if ($certrollInput.private) {',
  "    $acl = & icacls.exe $tmp /inheritance:r /grant:r '*S-1-5-18:(F)' '*S-1-5-32-544:(F)' 2>&1 | Out-String",
  '    if ($LASTEXITCODE -ne 0) { throw "icacls could not restrict ${tmp} (exit ${LASTEXITCODE}): $acl" }',
  '  }',
  "  $fs = New-Object IO.FileStream($tmp, 'Truncate', 'Write', 'None')",
  '  try { $fs.Write($bytes, 0, $bytes.Length); $fs.Flush($true) } finally { $fs.Dispose() }',
  '  if (Test-Path -LiteralPath $path) { [IO.File]::Replace($tmp, $path, $null) }',
  '  else { [IO.File]::Move($tmp, $path) }',
  '} finally {',
  '  if (Test-Path -LiteralPath $tmp) { Remove-Item -LiteralPath $tmp -Force }',
  '}',
].join('\n');

/** Removes `path`; a missing file is fine. */
export const PS_REMOVE = [
  "$ErrorActionPreference = 'Stop'",
  '$path = [string]$certrollInput.path',
  'if (Test-Path -LiteralPath $path) { Remove-Item -LiteralPath $path -Force }',
].join('\n');
