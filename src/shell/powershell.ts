// Rendering PowerShell for a remote host: static script text goes base64 UTF-16LE in
// -EncodedCommand (no quoting by cmd.exe or sh can touch it); data goes as JSON on stdin, because
// script-block logging records script text and the command line is visible to every process.
import { CertrollError } from '../errors.js';

/** cmd.exe's command line limit; Windows OpenSSH runs commands through the default shell. */
export const MAX_COMMAND_LINE = 8191;

/** Set first in every script: UTF-8 output and no progress records on the output stream. */
export const PS_PRELUDE = [
  '[Console]::OutputEncoding = [Text.Encoding]::UTF8',
  "$ProgressPreference = 'SilentlyContinue'",
].join('\n');

/**
 * How a script reads its data: the JSON certroll wrote to stdin (over SSH), or the same JSON as
 * the script block's first argument (over remoting, where there is no stdin).
 */
export const PS_READ_INPUT =
  '$certrollInput = $(if ($args.Count -gt 0) { [string]$args[0] } ' +
  'else { [Console]::In.ReadToEnd() }) | ConvertFrom-Json';

export function encodeCommand(script: string): string {
  return Buffer.from(script, 'utf16le').toString('base64');
}

export function decodeCommand(encoded: string): string {
  return Buffer.from(encoded, 'base64').toString('utf16le');
}

export const POWERSHELL_ARGS = [
  '-NoProfile',
  '-NonInteractive',
  '-ExecutionPolicy',
  'Bypass',
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
