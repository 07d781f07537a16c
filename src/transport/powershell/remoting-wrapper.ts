// The static wrapper run by local pwsh for the pwsh-remoting transport. It reads one JSON request
// from stdin (how to reach the computer, the credential, the script and its input), opens a
// session (WinRM with -ComputerName, or SSH with -HostName), announces the remote process id,
// runs the script there and turns the remote result into stdout, stderr and an exit code. Nothing
// variable is in its text, so script-block logging and argv see no data or secret.
//
// The script runs remotely as a script file (`& $file $input`), not as a script block: `exit N`
// in a script block ends the whole remote session (over SSH the server process exits and the
// result is lost), while a script file's `exit N` ends only the script and sets $LASTEXITCODE to
// N, exactly as `powershell -EncodedCommand` over SSH reports N. A script that ends without
// `exit` gets the same status as there: 0, or 1 when its last statement failed.

import { type RemotingVia } from '../../inventory/model.js';

/** Exit code of the wrapper when the remote computer could not be reached or refused us. */
export const REMOTING_FAILED_EXIT = 255;
export const REMOTING_FAILED_PREFIX = 'certroll-remoting:';

export interface RemotingRequest {
  readonly via: RemotingVia;
  readonly computer: string;
  readonly port: number;
  /** WinRM: HTTPS (-UseSSL). */
  readonly tls?: boolean;
  readonly user?: string;
  /** WinRM only. */
  readonly password?: string;
  /** SSH only: the identity file and the known_hosts files ssh checks the host key against. */
  readonly keyFile?: string;
  readonly knownHosts?: readonly string[];
  readonly connectTimeoutSec?: number;
  /** The script with the remote prelude; it runs remotely as a script file. */
  readonly script: string;
  /** What the script would read on stdin over SSH; passed as its first argument here. */
  readonly input: string;
}

/** The property of the object that carries the remote script's exit code back. */
const EXIT_MARKER = 'certrollRemoteExit';

/** The status line a script gets after its last statement when it did not `exit` itself. */
export const REMOTE_EPILOGUE = 'if ($?) { exit 0 } else { exit 1 }';

/**
 * What a script file does first: remove itself. PowerShell has read the whole file by then, and a
 * script stopped on timeout (its process killed by taskkill) never reaches the caller's removal,
 * so the file would stay in the host's temp folder. On the script's first line, so the line
 * numbers of its errors stay those of the script.
 */
export const REMOTE_SELF_REMOVE = 'try { [IO.File]::Delete($PSCommandPath) } catch { }; ';

// Runs on the host. No try/catch/finally may enclose the script: a handler anywhere up the call
// stack turns a statement-terminating error (a command not found) into one that ends the whole
// script, unlike `powershell -EncodedCommand`. So output and errors stream back as they come,
// the exit code follows as one marker object. The file removes itself as its first statement
// (REMOTE_SELF_REMOVE); the caller removes it afterwards too, for a script that never ran (one
// PowerShell could not parse).
const REMOTE_BLOCK = [
  '  param($script, $data, $epilogue, $name, $first)',
  // A script file needs an execution policy that runs it; -ExecutionPolicy Bypass is what the
  // SSH transport passes. Not settable where group policy fixes it, nor on Linux.
  '  try { Set-ExecutionPolicy -Scope Process -ExecutionPolicy Bypass -Force -ErrorAction Stop } catch { }',
  '  $file = Join-Path ([IO.Path]::GetTempPath()) $name',
  // UTF-8 with a BOM: Windows PowerShell 5.1 reads a script file without one as ANSI.
  '  [IO.File]::WriteAllText($file, $first + $script + "`n" + $epilogue + "`n", (New-Object Text.UTF8Encoding($true)))',
  '  $global:LASTEXITCODE = 0',
  '  & $file $data 6>&1',
  `  [pscustomobject]@{ ${EXIT_MARKER} = [int]$LASTEXITCODE }`,
].join('\n');

export const PWSH_REMOTING_WRAPPER = [
  "$ErrorActionPreference = 'Stop'",
  "$ProgressPreference = 'SilentlyContinue'",
  '[Console]::OutputEncoding = [Text.Encoding]::UTF8',
  '$certrollStyle = Get-Variable -Name PSStyle -ValueOnly -ErrorAction SilentlyContinue',
  "if ($certrollStyle) { $certrollStyle.OutputRendering = 'PlainText' }",
  // Neither the request nor the password goes through a cmdlet: module logging records cmdlets'
  // parameter values (the request holds the script's input, the PFX among it).
  '$reqError = $null',
  '$req = [Microsoft.PowerShell.Commands.JsonObject]::ConvertFromJson([Console]::In.ReadToEnd(), [ref]$reqError)',
  'if ($reqError) { throw $reqError }',
  `$epilogue = '${REMOTE_EPILOGUE}'`,
  `$first = '${REMOTE_SELF_REMOVE}'`,
  '$conn = @{ Port = [int]$req.port }',
  "if ($req.via -eq 'ssh') {",
  '  $conn.HostName = [string]$req.computer',
  '  if ($req.user) { $conn.UserName = [string]$req.user }',
  '  if ($req.keyFile) { $conn.KeyFilePath = [string]$req.keyFile }',
  // Host keys are checked by ssh against certroll's known_hosts files; never a prompt.
  "  $conn.Options = @{ BatchMode = 'yes'; StrictHostKeyChecking = 'yes'; UserKnownHostsFile = (@($req.knownHosts) -join ' '); ConnectTimeout = [string]$req.connectTimeoutSec }",
  '} else {',
  '  $conn.ComputerName = [string]$req.computer',
  '  if ($req.tls) { $conn.UseSSL = $true }',
  '  if ($req.user) {',
  "    $secure = [Net.NetworkCredential]::new('', [string]$req.password).SecurePassword",
  '    $conn.Credential = New-Object System.Management.Automation.PSCredential([string]$req.user, $secure)',
  '  }',
  '}',
  'try { $session = New-PSSession @conn }',
  `catch { [Console]::Error.WriteLine("${REMOTING_FAILED_PREFIX} $_"); exit ${REMOTING_FAILED_EXIT} }`,
  'try {',
  // The remote process id first, so a stopped or timed-out script can be ended on the host.
  '  $remotePid = Invoke-Command -Session $session -ScriptBlock { $PID }',
  '  [Console]::Error.WriteLine("certroll-pid:$remotePid")',
  '  [Console]::Error.Flush()',
  `} catch { [Console]::Error.WriteLine("${REMOTING_FAILED_PREFIX} $_"); exit ${REMOTING_FAILED_EXIT} }`,
  "$name = 'certroll-' + [Guid]::NewGuid().ToString('N') + '.ps1'",
  '$code = $null',
  '$nl = [string][char]10',
  'Invoke-Command -Session $session -ErrorAction Continue -ArgumentList @([string]$req.script, [string]$req.input, $epilogue, $name, $first) -ScriptBlock {',
  REMOTE_BLOCK,
  '} 2>&1 | ForEach-Object {',
  '  if ($_ -is [System.Management.Automation.ErrorRecord]) { [Console]::Error.Write([string]$_ + $nl) }',
  `  elseif ($null -ne $_ -and $null -ne $_.PSObject.Properties['${EXIT_MARKER}']) { $code = [int]$_.${EXIT_MARKER} }`,
  '  elseif ($_ -is [string]) { [Console]::Out.Write($_ + $nl) }',
  '  else { [Console]::Out.Write((($_ | Out-String -Width 4096).TrimEnd()) + $nl) }',
  '}',
  "if ($session.State -ne 'Opened') {",
  `  [Console]::Error.WriteLine("${REMOTING_FAILED_PREFIX} the session ended ($($session.State)) before the script reported an exit code")`,
  `  exit ${REMOTING_FAILED_EXIT}`,
  '}',
  'Invoke-Command -Session $session -ErrorAction SilentlyContinue -ArgumentList $name -ScriptBlock {',
  '  param($n) Remove-Item -LiteralPath (Join-Path ([IO.Path]::GetTempPath()) $n) -Force -ErrorAction SilentlyContinue',
  '}',
  'Remove-PSSession -Session $session -ErrorAction SilentlyContinue',
  // No exit code: the script ended with a terminating error (already on stderr).
  'if ($null -eq $code) { exit 1 }',
  'exit $code',
].join('\n');
