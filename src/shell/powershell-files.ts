// Static PowerShell scripts for writing and removing files (the PowerShell transports' putFile and
// remove). They contain no value at all: path, bytes and mode arrive as JSON on stdin
// ($certrollInput).
import { PS_READ_INPUT } from './powershell.js';

/**
 * Writes `data` (base64) to `path` atomically: a temp file beside it, created with a protected
 * ACL (SYSTEM and Administrators only) before any byte is written when `private` is true, then
 * moved over the target; the temp file is removed on failure.
 */
export const PS_PUT_FILE = [
  "$ErrorActionPreference = 'Stop'",
  PS_READ_INPUT,
  '$path = [string]$certrollInput.path',
  '$bytes = [Convert]::FromBase64String([string]$certrollInput.data)',
  '$dir = [IO.Path]::GetDirectoryName($path)',
  "$tmp = Join-Path $dir ('.certroll-' + [Guid]::NewGuid().ToString('N') + '.tmp')",
  'try {',
  '  if ($certrollInput.private) {',
  '    $sec = New-Object System.Security.AccessControl.FileSecurity',
  '    $sec.SetAccessRuleProtection($true, $false)',
  "    foreach ($sid in 'S-1-5-18', 'S-1-5-32-544') {",
  '      $id = New-Object System.Security.Principal.SecurityIdentifier($sid)',
  "      $sec.AddAccessRule((New-Object System.Security.AccessControl.FileSystemAccessRule($id, 'FullControl', 'Allow')))",
  '    }',
  "    $fs = [IO.File]::Create($tmp, 4096, 'None', $sec)",
  '  } else {',
  '    $fs = [IO.File]::Create($tmp)',
  '  }',
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
  PS_READ_INPUT,
  '$path = [string]$certrollInput.path',
  'if (Test-Path -LiteralPath $path) { Remove-Item -LiteralPath $path -Force }',
].join('\n');
