# Windows PowerShell 5.1 compatibility check for the scripts certroll sends to Windows hosts.
# There is no Windows PowerShell here, so this runs in PowerShell 7 and checks two things per script:
#   1. PowerShell's own parser accepts it (ParseInput, no errors);
#   2. an AST walk finds nothing 5.1 lacks: 7-only syntax, 7-only cmdlets and parameters, and .NET
#      APIs missing from .NET Framework 4.x.
# Sources for the rules (each rule names its own):
#   [diff]  learn.microsoft.com/powershell/scripting/whats-new/differences-from-windows-powershell
#   [new6]  .../whats-new/what-s-new-in-powershell-core-60 (61, 62 likewise)
#   [new7]  .../whats-new/what-s-new-in-powershell-70 (71, 72, 73, 74 likewise)
#   [ops]   about_Operators, about_Pipeline_Chain_Operators, about_Special_Characters
#   [api]   the .NET API reference "Applies to" table of the member (no .NET Framework row)
# Input (stdin): {"scripts":[{"name":"...","text":"..."}]}. Output: one JSON document
# {"rules":[{id,source}], "results":[{name, findings:[{rule,line,column,text,message}]}]}.
# `-ListRules` prints only the rules.
param([switch]$ListRules)
Set-StrictMode -Version 3
$ErrorActionPreference = 'Stop'

# --- the rule tables -------------------------------------------------------------------------
$Rules = [ordered]@{
  'parse-error'             = '[ParseInput] the script does not parse'
  'null-coalescing'         = '[new7] ?? and ??= (PowerShell 7.0)'
  'null-conditional'        = '[new7] ?. and ?[] (PowerShell 7.1)'
  'ternary'                 = '[new7] a ? b : c (PowerShell 7.0)'
  'pipeline-chain'          = '[ops] && and || between pipelines (PowerShell 7.0)'
  'background-operator'     = '[new6] pipeline & (PowerShell 6.0)'
  'clean-block'             = '[new7] clean {} block (PowerShell 7.3)'
  'unicode-escape'          = '[ops] `u{...} in a string (PowerShell 6.0)'
  'replace-scriptblock'     = '[new6] -replace with a script block substitution (PowerShell 6.1)'
  'numeric-literal'         = '[new7] 0b binary literals and y/uy/s/us/u/ul/n suffixes (PowerShell 6.2/7.0)'
  'ps7-variable'            = '[new6][new7] automatic variables 5.1 does not set ($IsWindows... $PSStyle)'
  'ps7-cmdlet'              = '[diff][new6][new7] cmdlets 5.1 does not have'
  'ps7-parameter'           = '[diff][new6][new7] parameters 5.1 does not have'
  'ps7-encoding'            = '[diff] -Encoding utf8NoBOM/utf8BOM/ansi or a code page number (PowerShell 6.0/7.4)'
  'join-path-extra-child'   = '[new6] Join-Path with more than one child path'
  'net-static-member'       = '[api] a static .NET member missing in .NET Framework 4.x'
  'net-instance-member'     = '[api] a .NET instance method missing in .NET Framework 4.x'
  'net-type'                = '[api] a .NET type missing in .NET Framework 4.x'
  'net-overload'            = '[api] an overload missing in .NET Framework 4.x'
  'split-string-separator'  = '[diff] String.Split with a multi-character string splits on each character in 5.1'
}

$Ps7Variables = @{
  'IsWindows' = '6.0'; 'IsLinux' = '6.0'; 'IsMacOS' = '6.0'; 'IsCoreCLR' = '6.0'
  'PSStyle' = '7.2'; 'PSNativeCommandArgumentPassing' = '7.3'
  'PSNativeCommandUseErrorActionPreference' = '7.4'; 'EnabledExperimentalFeatures' = '6.2'
}

$Ps7Cmdlets = @{
  'Test-Json' = '6.1'; 'Get-Error' = '7.0'; 'Join-String' = '6.2'; 'ConvertFrom-Markdown' = '6.1'
  'Show-Markdown' = '6.1'; 'Get-MarkdownOption' = '6.1'; 'Set-MarkdownOption' = '6.1'
  'Get-Uptime' = '6.0'; 'Remove-Alias' = '6.0'; 'Remove-Service' = '6.0'
  'Get-ExperimentalFeature' = '6.2'; 'Enable-ExperimentalFeature' = '6.2'
  'Disable-ExperimentalFeature' = '6.2'; 'Start-ThreadJob' = '7.0 (ThreadJob module)'
  'ConvertTo-CliXml' = '7.5'; 'ConvertFrom-CliXml' = '7.5'; 'Get-SecureRandom' = '7.4'
}

# Parameters added after 5.1, per cmdlet (full names; an abbreviation of one is found too).
$Ps7Parameters = @{
  'ConvertFrom-Json'  = @('AsHashtable', 'Depth', 'NoEnumerate', 'DateKind')
  'ConvertTo-Json'    = @('EscapeHandling', 'AsArray')
  'Get-Content'       = @('AsByteStream')
  'Set-Content'       = @('AsByteStream')
  'Add-Content'       = @('AsByteStream')
  'Join-Path'         = @('AdditionalChildPath')
  'ForEach-Object'    = @('Parallel', 'ThrottleLimit', 'TimeoutSeconds', 'AsJob', 'UseNewRunspace')
  'Select-String'     = @('Raw', 'NoEmphasis')
  'Get-Date'          = @('AsUTC', 'UnixTimeSeconds')
  'Start-Sleep'       = @('Duration')
  'Split-Path'        = @('LeafBase', 'Extension')
  'Sort-Object'       = @('Top', 'Bottom', 'Stable')
  'Get-ChildItem'     = @('FollowSymlink')
  'Where-Object'      = @('Not')
  'Select-Object'     = @('SkipIndex')
  'Test-Connection'   = @('TargetName', 'TcpPort', 'Traceroute', 'MtuSize', 'Repeat', 'Detailed')
  'Format-Hex'        = @('Count', 'Offset')
  'Invoke-WebRequest' = @('SkipCertificateCheck', 'SslProtocol', 'Authentication', 'Token',
                          'SkipHeaderValidation', 'Resume', 'SkipHttpErrorCheck', 'StatusCodeVariable',
                          'MaximumRetryCount', 'RetryIntervalSec', 'NoProxy', 'Form', 'CustomMethod',
                          'HttpVersion', 'ConnectionTimeoutSeconds', 'OperationTimeoutSeconds',
                          'AllowUnencryptedAuthentication', 'PreserveAuthorizationOnRedirect',
                          'AllowInsecureRedirect', 'PreserveHttpMethodOnRedirect')
  'Invoke-RestMethod' = @('SkipCertificateCheck', 'SslProtocol', 'Authentication', 'Token',
                          'SkipHeaderValidation', 'Resume', 'SkipHttpErrorCheck', 'StatusCodeVariable',
                          'ResponseHeadersVariable', 'MaximumRetryCount', 'RetryIntervalSec', 'NoProxy',
                          'Form', 'CustomMethod', 'HttpVersion', 'ConnectionTimeoutSeconds',
                          'OperationTimeoutSeconds', 'AllowUnencryptedAuthentication',
                          'PreserveAuthorizationOnRedirect', 'AllowInsecureRedirect',
                          'PreserveHttpMethodOnRedirect', 'FollowRelLink', 'MaximumFollowRelLink')
}

$Aliases = @{
  '%' = 'ForEach-Object'; 'foreach' = 'ForEach-Object'; '?' = 'Where-Object'; 'where' = 'Where-Object'
  'gc' = 'Get-Content'; 'cat' = 'Get-Content'; 'type' = 'Get-Content'; 'sc' = 'Set-Content'
  'ac' = 'Add-Content'; 'select' = 'Select-Object'; 'sort' = 'Sort-Object'; 'sls' = 'Select-String'
  'gci' = 'Get-ChildItem'; 'ls' = 'Get-ChildItem'; 'dir' = 'Get-ChildItem'; 'sleep' = 'Start-Sleep'
  'iwr' = 'Invoke-WebRequest'; 'irm' = 'Invoke-RestMethod'; 'fhx' = 'Format-Hex'
}

$EncodingCmdlets = @('Out-File', 'Set-Content', 'Add-Content', 'Get-Content', 'Export-Csv',
  'Import-Csv', 'Export-Clixml', 'Import-Clixml', 'Select-String', 'Send-MailMessage', 'Export-PSSession')

# Static members by type (written without "System."): members .NET Framework 4.x lacks.
$NetStatic = @{
  'Convert'   = @('ToHexString', 'ToHexStringLower', 'FromHexString', 'TryFromBase64String', 'TryToBase64Chars')
  'IO.File'   = @('ReadAllTextAsync', 'WriteAllTextAsync', 'ReadAllBytesAsync', 'WriteAllBytesAsync',
                  'ReadAllLinesAsync', 'WriteAllLinesAsync', 'AppendAllTextAsync', 'AppendAllLinesAsync',
                  'CreateSymbolicLink', 'ResolveLinkTarget', 'OpenHandle')
  'IO.Path'   = @('GetRelativePath', 'Join', 'TryJoin', 'IsPathFullyQualified', 'TrimEndingDirectorySeparator',
                  'EndsInDirectorySeparator', 'Exists')
  'IO.Directory' = @('CreateTempSubdirectory', 'CreateSymbolicLink', 'ResolveLinkTarget')
  'Security.Cryptography.RandomNumberGenerator' = @('GetBytes', 'Fill', 'GetInt32', 'GetHexString',
                  'GetString', 'GetItems', 'Shuffle')
  'Security.Cryptography.SHA1'   = @('HashData', 'HashDataAsync')
  'Security.Cryptography.SHA256' = @('HashData', 'HashDataAsync')
  'Security.Cryptography.SHA384' = @('HashData', 'HashDataAsync')
  'Security.Cryptography.SHA512' = @('HashData', 'HashDataAsync')
  'Security.Cryptography.MD5'    = @('HashData', 'HashDataAsync')
  'Security.Cryptography.HMACSHA256' = @('HashData', 'HashDataAsync')
  'Security.Cryptography.X509Certificates.X509Certificate2' = @('CreateFromPem', 'CreateFromPemFile',
                  'CreateFromEncryptedPem', 'CreateFromEncryptedPemFile')
  'Environment' = @('ProcessId', 'ProcessPath', 'IsPrivilegedProcess')
  'DateTime'  = @('UnixEpoch')
  'DateTimeOffset' = @('UnixEpoch')
  'Text.Encoding' = @('Latin1')
  'Guid'      = @('CreateVersion7')
  'Math'      = @('Clamp')
  'String'    = @('Create')
  'OperatingSystem' = @('IsWindows', 'IsLinux', 'IsMacOS', 'IsWindowsVersionAtLeast')
}
# The same lookups under PowerShell's type accelerators.
$NetStatic['string'] = $NetStatic['String']

# Instance methods whose names exist only in .NET Core 3.0+ / .NET 5+ (any receiver).
$NetInstance = @{
  'ImportFromPem' = '.NET 5'; 'ImportFromEncryptedPem' = '.NET 5'; 'ImportPkcs8PrivateKey' = '.NET Core 3.0'
  'ImportEncryptedPkcs8PrivateKey' = '.NET Core 3.0'; 'ImportRSAPrivateKey' = '.NET Core 3.0'
  'ImportRSAPublicKey' = '.NET Core 3.0'; 'ImportSubjectPublicKeyInfo' = '.NET Core 3.0'
  'ImportECPrivateKey' = '.NET Core 3.0'; 'ExportPkcs8PrivateKey' = '.NET Core 3.0'
  'ExportEncryptedPkcs8PrivateKey' = '.NET Core 3.0'; 'ExportRSAPrivateKey' = '.NET Core 3.0'
  'ExportRSAPublicKey' = '.NET Core 3.0'; 'ExportSubjectPublicKeyInfo' = '.NET Core 3.0'
  'ExportECPrivateKey' = '.NET Core 3.0'; 'ExportCertificatePem' = '.NET 7'
  'ExportPkcs8PrivateKeyPem' = '.NET 7'; 'ExportRSAPrivateKeyPem' = '.NET 7'
  'ExportSubjectPublicKeyInfoPem' = '.NET 7'
  # An extension method from .NET Framework 4.7.2 only: Server 2016 ships 4.6.2.
  'CopyWithPrivateKey' = '.NET Framework 4.7.2 (Server 2016 ships 4.6.2)'
}

# Types .NET Framework 4.x does not have (a name ending in one of these, "System." optional).
$NetTypes = @('Text.Json', 'Text.Json.JsonSerializer', 'Text.Json.JsonDocument', 'Formats.Asn1.AsnReader',
  'Formats.Asn1.AsnWriter', 'Security.Cryptography.X509Certificates.X509CertificateLoader',
  'Security.Cryptography.PemEncoding', 'DateOnly', 'TimeOnly', 'Half', 'Index', 'Range', 'HashCode',
  'Text.Rune', 'Collections.Generic.PriorityQueue', 'Net.Http.SocketsHttpHandler',
  'Management.Automation.PSStyle', 'IO.FileSystemAclExtensions')

# --- helpers -----------------------------------------------------------------------------------
function Short([string]$t) { ($t -replace '^System\.', '') -replace '\[.*$', '' }
function Finding($ast, [string]$rule, [string]$message) {
  $e = $ast.Extent
  $text = $e.Text
  if ($text.Length -gt 120) { $text = $text.Substring(0, 120) }
  [pscustomobject]@{ rule = $rule; line = $e.StartLineNumber; column = $e.StartColumnNumber; text = $text; message = $message }
}
function TypeMatches([string]$written, [string]$known) {
  $w = Short $written
  return ($w -eq $known) -or $known.EndsWith('.' + $w, [StringComparison]::OrdinalIgnoreCase) -or
    $w.StartsWith($known + '.', [StringComparison]::OrdinalIgnoreCase)
}
function CmdletName($cmd) {
  $n = $cmd.GetCommandName()
  if ($null -eq $n) { return $null }
  $n = $n -replace '^.*\\', ''
  if ($Aliases.ContainsKey($n)) { return $Aliases[$n] }
  return $n
}
$ParamCache = @{}
# The parameter `given` names on this cmdlet in PowerShell 7 (exact, or the one it abbreviates),
# when that parameter is one 5.1 lacks; $null otherwise.
function FullParam([string]$cmdlet, [string]$given) {
  if (-not $Ps7Parameters.ContainsKey($cmdlet)) { return $null }
  if (-not $ParamCache.ContainsKey($cmdlet)) {
    $ParamCache[$cmdlet] = @((Get-Command $cmdlet -ErrorAction SilentlyContinue).Parameters.Keys)
  }
  $all = @($ParamCache[$cmdlet]) + $Ps7Parameters[$cmdlet] | Select-Object -Unique
  $exact = @($all | Where-Object { $_ -eq $given })
  $hits = @(if ($exact.Count -gt 0) { $exact } else { $all | Where-Object { $_.StartsWith($given, [StringComparison]::OrdinalIgnoreCase) } })
  if ($hits.Count -eq 0) { return $null }
  foreach ($h in $hits) { if ($Ps7Parameters[$cmdlet] -notcontains $h) { return $null } }
  return $hits[0]
}

# --- the walk ----------------------------------------------------------------------------------
function Test-Command($c) {
  $name = CmdletName $c
  if ($null -eq $name) { return }
  if ($Ps7Cmdlets.ContainsKey($name)) {
    Finding $c 'ps7-cmdlet' ("$name is PowerShell " + $Ps7Cmdlets[$name] + '+; Windows PowerShell 5.1 has no such command')
  }
  $positional = 0
  $els = $c.CommandElements
  for ($i = 1; $i -lt $els.Count; $i++) {
    $el = $els[$i]
    if ($el -is [System.Management.Automation.Language.CommandParameterAst]) {
      $p = FullParam $name $el.ParameterName
      if ($null -ne $p) {
        Finding $el 'ps7-parameter' ("$name -$p does not exist in Windows PowerShell 5.1")
      }
      if ($el.ParameterName -like 'Encoding' -and $EncodingCmdlets -contains $name) {
        $v = $el.Argument
        if ($null -eq $v -and ($i + 1) -lt $els.Count) { $v = $els[$i + 1] }
        if ($null -ne $v) {
          $t = $v.Extent.Text.Trim("'", '"')
          if ($t -match '^(utf8NoBOM|utf8BOM|ansi|\d+)$') {
            Finding $v 'ps7-encoding' ("-Encoding $t is not accepted by Windows PowerShell 5.1 (its UTF8 writes a BOM; use [IO.File]::WriteAllText with New-Object Text.UTF8Encoding `$false)")
          }
        }
      }
      # Join-Path's one switch is -Resolve; its other parameters take the next element as value.
      if ($name -eq 'Join-Path' -and $null -eq $el.Argument -and -not 'Resolve'.StartsWith($el.ParameterName, [StringComparison]::OrdinalIgnoreCase)) { $i++ }
    } else {
      $positional++
    }
  }
  if ($name -eq 'Join-Path' -and $positional -gt 2) {
    Finding $c 'join-path-extra-child' 'Join-Path takes one child path in Windows PowerShell 5.1; nest Join-Path calls'
  }
}

function Test-StaticMember($m) {
  $typeAst = $m.Expression
  $member = $m.Member
  if ($member -isnot [System.Management.Automation.Language.StringConstantExpressionAst]) { return }
  $memberName = $member.Value
  $written = $typeAst.TypeName.FullName
  foreach ($k in $NetStatic.Keys) {
    if ((TypeMatches $written $k) -and ($NetStatic[$k] -contains $memberName)) {
      Finding $m 'net-static-member' ("[$written]::$memberName is not in .NET Framework 4.x")
      return
    }
  }
  if ($memberName -eq 'CopyWithPrivateKey') {
    Finding $m 'net-instance-member' ('CopyWithPrivateKey needs ' + $NetInstance['CopyWithPrivateKey'])
    return
  }
  if ($m -is [System.Management.Automation.Language.InvokeMemberExpressionAst] -and $null -ne $m.Arguments) {
    $args0 = $m.Arguments
    if ((TypeMatches $written 'String') -and $memberName -eq 'Join' -and $args0.Count -ge 1 -and
        $args0[0] -is [System.Management.Automation.Language.ConvertExpressionAst] -and
        (Short $args0[0].Type.TypeName.FullName) -eq 'char') {
      Finding $m 'net-overload' 'String.Join(char, ...) is .NET Core 2.0+; pass a string separator'
    }
    if ((TypeMatches $written 'IO.File') -and $memberName -eq 'Move' -and $args0.Count -eq 3) {
      Finding $m 'net-overload' 'File.Move(source, dest, overwrite) is .NET Core 3.0+; remove the target first or use File.Replace'
    }
  }
}

function Test-Script([string]$name, [string]$text) {
  $tokens = $null; $errors = $null
  $ast = [System.Management.Automation.Language.Parser]::ParseInput($text, [ref]$tokens, [ref]$errors)
  $out = New-Object System.Collections.Generic.List[object]
  foreach ($e in $errors) {
    $out.Add([pscustomobject]@{ rule = 'parse-error'; line = $e.Extent.StartLineNumber; column = $e.Extent.StartColumnNumber; text = $e.Extent.Text; message = $e.Message })
  }
  foreach ($t in $tokens) {
    if ($t.Kind -eq 'StringExpandable' -or $t.Kind -eq 'HereStringExpandable') {
      if ($t.Text -match '`u\{') { $out.Add((Finding $t 'unicode-escape' '`u{...} is PowerShell 6.0+; use [char]0xNNNN')) }
    }
    if ($t.Kind -eq 'Number' -and ($t.Text -match '^0[bB][01]' -or $t.Text -match '^(?i)(?!0x)[0-9.]+(e[+-]?\d+)?(y|uy|s|us|u|ul|n)(kb|mb|gb|tb|pb)?$')) {
      $out.Add((Finding $t 'numeric-literal' "$($t.Text) is a PowerShell 7 numeric literal"))
    }
  }
  $nodes = $ast.FindAll({ $true }, $true)
  foreach ($n in $nodes) {
    $f = $null
    switch ($n.GetType().Name) {
      'BinaryExpressionAst' {
        if ($n.Operator -eq 'QuestionQuestion') { $f = Finding $n 'null-coalescing' '?? is PowerShell 7.0+' }
        elseif (($n.Operator -eq 'Ireplace' -or $n.Operator -eq 'Creplace') -and
                $n.Right -is [System.Management.Automation.Language.ArrayLiteralAst] -and
                @($n.Right.Elements | Where-Object { $_ -is [System.Management.Automation.Language.ScriptBlockExpressionAst] }).Count -gt 0) {
          $f = Finding $n 'replace-scriptblock' '-replace with a script block is PowerShell 6.1+; use [regex]::Replace with a MatchEvaluator'
        }
      }
      'AssignmentStatementAst' {
        if ($n.Operator -eq 'QuestionQuestionEquals') { $f = Finding $n 'null-coalescing' '??= is PowerShell 7.0+' }
      }
      'MemberExpressionAst' {
        if ($n.NullConditional) { $f = Finding $n 'null-conditional' '?. is PowerShell 7.1+' }
        elseif ($n.Static -and $n.Expression -is [System.Management.Automation.Language.TypeExpressionAst]) { $f = Test-StaticMember $n }
      }
      'InvokeMemberExpressionAst' {
        if ($n.NullConditional) { $f = Finding $n 'null-conditional' '?.Method() is PowerShell 7.1+' }
        elseif ($n.Static -and $n.Expression -is [System.Management.Automation.Language.TypeExpressionAst]) { $f = Test-StaticMember $n }
        elseif ($n.Member -is [System.Management.Automation.Language.StringConstantExpressionAst]) {
          $mn = $n.Member.Value
          if ($NetInstance.ContainsKey($mn)) {
            $f = Finding $n 'net-instance-member' (".$mn() needs " + $NetInstance[$mn] + '; Windows PowerShell 5.1 runs on .NET Framework 4.x')
          } elseif ($mn -eq 'Split' -and $n.Arguments.Count -ge 1 -and
                    $n.Arguments[0] -is [System.Management.Automation.Language.StringConstantExpressionAst] -and
                    $n.Arguments[0].Value.Length -gt 1) {
            $f = Finding $n 'split-string-separator' ".Split('$($n.Arguments[0].Value)') splits on each of its characters in 5.1 (String.Split(char[])); use -split with an escaped regex"
          }
        }
      }
      'IndexExpressionAst' {
        if ($n.NullConditional) { $f = Finding $n 'null-conditional' '?[] is PowerShell 7.1+' }
      }
      'TernaryExpressionAst' { $f = Finding $n 'ternary' 'a ? b : c is PowerShell 7.0+; use if/else' }
      'PipelineChainAst' { $f = Finding $n 'pipeline-chain' '&& and || are PowerShell 7.0+; test $LASTEXITCODE or $? with if' }
      'PipelineAst' {
        if ($n.Background) { $f = Finding $n 'background-operator' 'a trailing & is PowerShell 6.0+; use Start-Job' }
      }
      'NamedBlockAst' {
        if ([string]$n.BlockKind -eq 'Clean') { $f = Finding $n 'clean-block' 'clean {} is PowerShell 7.3+; use try/finally' }
      }
      'VariableExpressionAst' {
        $vn = $n.VariablePath.UserPath
        if ($Ps7Variables.ContainsKey($vn)) {
          $f = Finding $n 'ps7-variable' ("`$$vn is PowerShell " + $Ps7Variables[$vn] + "+; in 5.1 it is `$null")
        }
      }
      'CommandAst' { $f = Test-Command $n }
      'TypeExpressionAst' { $f = Test-Type $n $n.TypeName }
      'TypeConstraintAst' { $f = Test-Type $n $n.TypeName }
      'StringConstantExpressionAst' {
        # New-Object -TypeName X: the type as a string argument.
        $p = $n.Parent
        if ($p -is [System.Management.Automation.Language.CommandAst] -and (CmdletName $p) -eq 'New-Object' -and
            $p.CommandElements.IndexOf($n) -gt 0) { $f = Test-TypeName $n $n.Value }
      }
    }
    foreach ($x in @($f)) { if ($null -ne $x) { $out.Add($x) } }
  }
  return ,([object[]]$out.ToArray())
}

function Test-TypeName($ast, [string]$written) {
  foreach ($k in $NetTypes) {
    if (TypeMatches $written $k) { return Finding $ast 'net-type' "[$written] is not in .NET Framework 4.x" }
  }
}
function Test-Type($ast, $typeName) { Test-TypeName $ast $typeName.FullName }

# --- main --------------------------------------------------------------------------------------
$ruleList = @(foreach ($k in $Rules.Keys) { [pscustomobject]@{ id = $k; source = $Rules[$k] } })
if ($ListRules) { ConvertTo-Json -InputObject $ruleList -Depth 3 -Compress; exit 0 }
$req = [Console]::In.ReadToEnd() | ConvertFrom-Json
$results = foreach ($s in @($req.scripts)) {
  [pscustomobject]@{ name = [string]$s.name; findings = Test-Script ([string]$s.name) ([string]$s.text) }
}
ConvertTo-Json -InputObject ([pscustomobject]@{ rules = $ruleList; results = @($results) }) -Depth 6 -Compress
