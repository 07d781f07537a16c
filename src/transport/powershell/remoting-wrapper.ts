// The static wrapper run by local pwsh for the pwsh-remoting transport. It reads one JSON request
// from stdin (computer, port, credential, the playbook script and its input), runs the script on
// the computer with Invoke-Command, and turns the remote result into stdout, stderr and an exit
// code. Nothing variable is in its text, so script-block logging and argv see no data or secret.

/** Exit code of the wrapper when the remote computer could not be reached or refused us. */
export const REMOTING_FAILED_EXIT = 255;
export const REMOTING_FAILED_PREFIX = 'certroll-remoting:';

export interface RemotingRequest {
  readonly computer: string;
  readonly port: number;
  readonly user?: string;
  readonly password?: string;
  /** The playbook's static script; it runs remotely as a script block. */
  readonly script: string;
  /** What the script would read on stdin over SSH; passed as its first argument here. */
  readonly input: string;
}

export const PWSH_REMOTING_WRAPPER = [
  "$ErrorActionPreference = 'Stop'",
  "$ProgressPreference = 'SilentlyContinue'",
  '[Console]::OutputEncoding = [Text.Encoding]::UTF8',
  '$req = [Console]::In.ReadToEnd() | ConvertFrom-Json',
  '$params = @{',
  '  ComputerName = [string]$req.computer',
  '  Port = [int]$req.port',
  '  ArgumentList = @([string]$req.script, [string]$req.input)',
  '  ScriptBlock = {',
  '    param($script, $data)',
  '    $global:LASTEXITCODE = 0',
  '    $out = New-Object System.Collections.Generic.List[string]',
  '    $err = New-Object System.Collections.Generic.List[string]',
  '    $code = 0',
  '    try {',
  '      & ([scriptblock]::Create($script)) $data 2>&1 | ForEach-Object {',
  '        if ($_ -is [System.Management.Automation.ErrorRecord]) { $err.Add([string]$_) }',
  '        else { $out.Add([string]$_) }',
  '      }',
  '      if ($LASTEXITCODE) { $code = $LASTEXITCODE }',
  '    } catch { $err.Add([string]$_); $code = 1 }',
  '    [pscustomobject]@{ stdout = ($out -join "`n"); stderr = ($err -join "`n"); code = $code }',
  '  }',
  '}',
  'if ($req.user) {',
  '  $secure = ConvertTo-SecureString -String ([string]$req.password) -AsPlainText -Force',
  '  $params.Credential = New-Object System.Management.Automation.PSCredential([string]$req.user, $secure)',
  '}',
  'try { $r = Invoke-Command @params }',
  `catch { [Console]::Error.WriteLine("${REMOTING_FAILED_PREFIX} $_"); exit ${REMOTING_FAILED_EXIT} }`,
  '[Console]::Out.Write([string]$r.stdout)',
  '[Console]::Error.Write([string]$r.stderr)',
  'exit [int]$r.code',
].join('\n');
