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

/** The status line a script gets after its last statement when it did not `exit` itself. */
export const REMOTE_EPILOGUE = 'if ($?) { exit 0 } else { exit 1 }';

const REMOTE_BLOCK = [
  '  param($script, $data, $epilogue)',
  // A script file needs an execution policy that runs it; -ExecutionPolicy Bypass is what the
  // SSH transport passes. Not settable where policy is fixed by group policy or on Linux.
  '  try { Set-ExecutionPolicy -Scope Process -ExecutionPolicy Bypass -Force -ErrorAction Stop } catch { }',
  "  $file = Join-Path ([IO.Path]::GetTempPath()) ('certroll-' + [Guid]::NewGuid().ToString('N') + '.ps1')",
  '  $out = New-Object System.Collections.Generic.List[string]',
  '  $err = New-Object System.Collections.Generic.List[string]',
  '  $code = 1',
  '  try {',
  // UTF-8 with a BOM: Windows PowerShell 5.1 reads a script file without one as ANSI.
  '    [IO.File]::WriteAllText($file, $script + "`n" + $epilogue + "`n", (New-Object Text.UTF8Encoding($true)))',
  '    $global:LASTEXITCODE = 0',
  '    & $file $data 2>&1 6>&1 | ForEach-Object {',
  '      if ($_ -is [System.Management.Automation.ErrorRecord]) { $err.Add([string]$_) }',
  '      elseif ($_ -is [string]) { $out.Add($_) }',
  '      else { $out.Add(($_ | Out-String -Width 4096).TrimEnd()) }',
  '    }',
  '    $code = $LASTEXITCODE',
  '  } catch { $err.Add([string]$_); $code = 1 }',
  '  finally { Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue }',
  '  $nl = [string][char]10',
  '  [pscustomobject]@{',
  '    stdout = -join @($out | ForEach-Object { $_ + $nl })',
  '    stderr = -join @($err | ForEach-Object { $_ + $nl })',
  '    code = [int]$code',
  '  }',
].join('\n');

export const PWSH_REMOTING_WRAPPER = [
  "$ErrorActionPreference = 'Stop'",
  "$ProgressPreference = 'SilentlyContinue'",
  '[Console]::OutputEncoding = [Text.Encoding]::UTF8',
  "if ($PSStyle) { $PSStyle.OutputRendering = 'PlainText' }",
  '$req = [Console]::In.ReadToEnd() | ConvertFrom-Json',
  `$epilogue = '${REMOTE_EPILOGUE}'`,
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
  '    $secure = ConvertTo-SecureString -String ([string]$req.password) -AsPlainText -Force',
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
  '  $r = Invoke-Command -Session $session -ArgumentList @([string]$req.script, [string]$req.input, $epilogue) -ScriptBlock {',
  REMOTE_BLOCK,
  '  }',
  `} catch { [Console]::Error.WriteLine("${REMOTING_FAILED_PREFIX} $_"); exit ${REMOTING_FAILED_EXIT} }`,
  'finally { Remove-PSSession -Session $session -ErrorAction SilentlyContinue }',
  '[Console]::Out.Write([string]$r.stdout)',
  '[Console]::Error.Write([string]$r.stderr)',
  'exit [int]$r.code',
].join('\n');
