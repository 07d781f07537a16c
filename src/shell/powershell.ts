// Rendering PowerShell for a remote host: static script text goes base64 UTF-16LE in
// -EncodedCommand (no quoting by cmd.exe or sh can touch it); data goes as JSON on stdin, because
// script-block logging records script text and the command line is visible to every process.
import { CertrollError } from '../errors.js';

/** cmd.exe's command line limit; Windows OpenSSH runs commands through the default shell. */
export const MAX_COMMAND_LINE = 8191;

/**
 * How every script gets its data, on both transports: `$certrollInput` is the JSON certroll sent,
 * read from the first argument when there is one (PowerShell remoting runs the script with its
 * input as the argument: a remote session's stdin is the remoting protocol itself, never data)
 * and from stdin otherwise (PowerShell over SSH); `$null` when nothing was sent. Parsed by the
 * method ConvertFrom-Json itself calls, not by the cmdlet: module logging records every cmdlet's
 * parameter values, and this text holds the PFX and its password.
 */
export const PS_READ_INPUT = [
  '$certrollInput = $null',
  '$certrollInputText = $(if ($args.Count -gt 0) { [string]$args[0] } else { [Console]::In.ReadToEnd() })',
  '$certrollInputError = $null',
  'if (-not [string]::IsNullOrWhiteSpace($certrollInputText)) { $certrollInput = [Microsoft.PowerShell.Commands.JsonObject]::ConvertFromJson($certrollInputText, [ref]$certrollInputError) }',
  'if ($certrollInputError) { throw $certrollInputError }',
  'Remove-Variable certrollInputText',
].join('\n');

/** The line a script writes first on stderr over SSH: its process id, so a stop can end its tree. */
export const PS_PID_ANNOUNCE = '[Console]::Error.Write("certroll-pid:$PID`n")';

/**
 * Set first in every script run over SSH: announce the process id, UTF-8 output without colour
 * escapes, no progress records on the output stream, then the input. (A remote session has no console of its own:
 * PS_REMOTE_PRELUDE leaves the console alone.)
 */
export const PS_PRELUDE = [
  PS_PID_ANNOUNCE,
  '[Console]::OutputEncoding = [Text.Encoding]::UTF8',
  // PowerShell 7 colours error text with ANSI escapes even into a pipe; 5.1 has no $PSStyle,
  // hence the lookup by name.
  '$certrollStyle = Get-Variable -Name PSStyle -ValueOnly -ErrorAction SilentlyContinue',
  "if ($certrollStyle) { $certrollStyle.OutputRendering = 'PlainText' }",
  "$ProgressPreference = 'SilentlyContinue'",
  PS_READ_INPUT,
].join('\n');

/** Set first in every script run through PowerShell remoting. */
export const PS_REMOTE_PRELUDE = ["$ProgressPreference = 'SilentlyContinue'", PS_READ_INPUT].join(
  '\n',
);

/**
 * The command that ends a PowerShell script's process and everything it started, on a host whose
 * script announced `pid`: taskkill (every Windows since XP; cmd.exe and PowerShell both run it,
 * whichever is the SSH server's default shell). A plain process kill would leave native children
 * (netsh, a restarting service's tools) running.
 */
export function psKillTreeCommand(pid: number): string {
  if (!Number.isInteger(pid) || pid <= 1) throw new RangeError(`Bad process id ${pid}.`);
  return `taskkill.exe /T /F /PID ${pid}`;
}

export function encodeCommand(script: string): string {
  return Buffer.from(script, 'utf16le').toString('base64');
}

export function decodeCommand(encoded: string): string {
  return Buffer.from(encoded, 'base64').toString('utf16le');
}

// -OutputFormat Text: with -EncodedCommand and no format given, PowerShell writes its error
// stream as CLIXML (`#< CLIXML <Objs>...`) into stderr, which certroll quotes in messages.
export const POWERSHELL_ARGS = [
  '-NoProfile',
  '-NonInteractive',
  '-ExecutionPolicy',
  'Bypass',
  '-OutputFormat',
  'Text',
  '-EncodedCommand',
] as const;

/** The exact command line sent over SSH for `script` (the prelude included). */
export function powershellCommandLine(script: string, exe = 'powershell'): string {
  const line = [exe, ...POWERSHELL_ARGS, encodeCommand(`${PS_PRELUDE}\n${script}`)].join(' ');
  if (line.length > MAX_COMMAND_LINE) {
    throw new CertrollError(
      'PLAYBOOK_INVALID',
      `A PowerShell script of ${script.length} characters encodes to a ${line.length}-character ` +
        `command line, over Windows' limit of ${MAX_COMMAND_LINE}.`,
      { hint: 'Shorten the script, or split it into several steps.' },
    );
  }
  return line;
}

/** Stdin for a script: the data as one JSON document. */
export function jsonInput(data: unknown): string {
  return JSON.stringify(data);
}
