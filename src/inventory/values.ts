// The second wall: one rule per kind of value that ends up in a remote command (a folder or file
// on the host, a Windows service or Business Central instance name, a certificate thumbprint).
// Quoting already keeps these values from being read as code; these rules keep a well-quoted
// value from naming the wrong thing (a relative or `..` path, an option, a wildcard, a thumbprint
// with a character copied out of a dialog). Each rule returns why the value is refused, or
// undefined; callers add where the value came from. Thumbprints are in thumbprints.ts, the
// hidden characters every rule looks for in hidden-characters.ts.

import { findHiddenCharacter, visible } from './hidden-characters.js';

/** The shell a host's (or a playbook's) commands run in. */
export type RemoteShell = 'sh' | 'powershell';

/** A refused value: what is wrong (naming the value) and what to do. */
export interface ValueProblem {
  readonly message: string;
  readonly hint?: string;
}

function hiddenProblem(what: string, s: string, hint: string): ValueProblem | undefined {
  const hidden = findHiddenCharacter(s);
  if (hidden === undefined) return undefined;
  return {
    message: `${what} ${visible(s)} contains ${hidden.description} at position ${hidden.position}`,
    hint,
  };
}

// --- paths on the host ----------------------------------------------------------------------

export const MAX_REMOTE_PATH = 4096;

// Reserved in Windows file names ("Naming Files, Paths, and Namespaces",
// https://learn.microsoft.com/windows/win32/fileio/naming-a-file): < > : " / \ | ? *. A `:` after
// the drive would name an alternate data stream; `*` and `?` are wildcards to PowerShell's -Path.
const WINDOWS_RESERVED = /[<>:"|?*]/u;
const DRIVE = /^[A-Za-z]:[\\/]/u;
const UNC = /^[\\/]{2}[^\\/]+[\\/][^\\/]+/u;

/**
 * A file or folder on the host, for a host (or playbook) whose commands run in `shell`: absolute
 * (`/...` for sh; `C:\...` or `\\server\share\...` for PowerShell), no control or invisible
 * characters, no `..` segment, no segment that starts with `-` (a tool handed it alone would
 * read an option).
 */
export function remotePathProblem(
  value: string,
  shell: RemoteShell,
  what = 'path',
): ValueProblem | undefined {
  const example = shell === 'sh' ? '/etc/nginx/tls/site.crt' : 'C:\\ProgramData\\certroll';
  if (value === '')
    return { message: `${what} is empty`, hint: `Write an absolute path, like ${example}.` };
  if (value.length > MAX_REMOTE_PATH)
    return { message: `${what} is longer than ${MAX_REMOTE_PATH} characters` };
  const hidden = hiddenProblem(
    what,
    value,
    'Retype the path; copying it out of a document or a GUI can bring invisible characters along.',
  );
  if (hidden !== undefined) return hidden;
  if (value.startsWith('-'))
    return {
      message: `${what} ${visible(value)} starts with '-', which a command would read as an option`,
      hint: `Write an absolute path, like ${example}.`,
    };
  const shape = shell === 'sh' ? posixShape(value, what) : windowsShape(value, what);
  if (shape !== undefined) return shape;
  const segments = value.split(shell === 'sh' ? '/' : /[\\/]/u);
  if (segments.includes('..'))
    return {
      message: `${what} ${visible(value)} has a '..' segment`,
      hint: 'Write the path without .. (where it really leads); certroll refuses paths that climb out of a folder.',
    };
  const option = segments.find((s) => s.startsWith('-'));
  if (option !== undefined)
    return {
      message: `${what} ${visible(value)} has a segment starting with '-' (${visible(option)}), which a command handed that name alone would read as an option`,
      hint: 'Rename the file or folder, or point at it through a link whose name does not start with -.',
    };
  return undefined;
}

function posixShape(value: string, what: string): ValueProblem | undefined {
  if (value.startsWith('/')) return undefined;
  if (DRIVE.test(value) || value.startsWith('\\'))
    return {
      message: `${what} ${visible(value)} is a Windows path, but this host runs sh`,
      hint: 'Write a POSIX path starting with /, or use a PowerShell transport (powershell-ssh, pwsh-remoting) for a Windows host.',
    };
  return {
    message: `${what} ${visible(value)} is not absolute: it must start with /`,
    hint: 'A relative path would depend on the remote login folder; write the full path, like /etc/nginx/tls/site.crt.',
  };
}

function windowsShape(value: string, what: string): ValueProblem | undefined {
  if (/^[\\/]{2}[?.][\\/]/u.test(value))
    return {
      message: `${what} ${visible(value)} is a device path (\\\\?\\ or \\\\.\\)`,
      hint: 'Write a plain drive path (C:\\...) or a UNC path (\\\\server\\share\\...).',
    };
  const drive = DRIVE.test(value);
  if (!drive && !UNC.test(value)) {
    if (value.startsWith('/'))
      return {
        message: `${what} ${visible(value)} is a POSIX path, but this host runs PowerShell`,
        hint: 'Write a Windows path, like C:\\ProgramData\\certroll, or reach a POSIX host with transport kind ssh.',
      };
    return {
      message: `${what} ${visible(value)} is not absolute: it must start with a drive (C:\\) or be a UNC path (\\\\server\\share)`,
      hint: 'Write the full path, like C:\\ProgramData\\certroll; a relative path would depend on the remote session folder.',
    };
  }
  const rest = drive ? value.slice(2) : value;
  const reserved = WINDOWS_RESERVED.exec(rest);
  if (reserved !== null)
    return {
      message: `${what} ${visible(value)} contains ${JSON.stringify(reserved[0])}, which Windows does not allow in a file name`,
      hint: 'Windows reserves < > : " | ? * in names (a : after the drive would name an alternate data stream); write the real path.',
    };
  return undefined;
}

// --- Windows services and Business Central instances -------------------------------------------

// CreateService (https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-createservicew):
// "The maximum string length is 256 characters. [...] Forward-slash (/) and backslash (\) are not
// valid service name characters." MS-SCMR defines MAX_SERVICE_NAME_LENGTH as 256, too.
export const MAX_SERVICE_NAME = 256;
// Get-Service/Restart-Service -Name take wildcards: `W*` would restart every matching service.
const WILDCARD = /[*?[\]]/u;

/** A Windows service name (the key name, not the display name). */
export function windowsServiceNameProblem(value: string): ValueProblem | undefined {
  const what = 'service name';
  if (value === '') return { message: `${what} is empty` };
  if (value.length > MAX_SERVICE_NAME)
    return {
      message: `${what} ${visible(value.slice(0, 40))}... has ${value.length} characters; Windows allows at most ${MAX_SERVICE_NAME}`,
    };
  const hidden = hiddenProblem(
    what,
    value,
    'Retype the name, or copy it from `Get-Service | Select-Object Name`.',
  );
  if (hidden !== undefined) return hidden;
  const slash = /[\\/]/u.exec(value);
  if (slash !== null)
    return {
      message: `${what} ${visible(value)} contains ${JSON.stringify(slash[0])}, which Windows does not allow in a service name`,
      hint: 'Give the service name (Get-Service | Select-Object Name), not a path or an account.',
    };
  const wild = WILDCARD.exec(value);
  if (wild !== null)
    return {
      message: `${what} ${visible(value)} contains ${JSON.stringify(wild[0])}, a wildcard to Get-Service and Restart-Service`,
      hint: 'A wildcard could match, and restart, other services; give the exact service name.',
    };
  return undefined;
}

// A Business Central / NAV server instance runs as the service MicrosoftDynamicsNavServer$<name>
// (Set-NAVServerInstance -ServerInstance: "either the full name of an instance such as
// MicrosoftDynamicsNavServer$myinstance or the short name such as myinstance",
// https://learn.microsoft.com/previous-versions/dynamicsnav-2013r2/jj672895(v=nav.71)), so the
// service name limit applies to the whole; the name is also a folder under
// ...\Service\Instances\ and a segment of the SOAP/OData URLs. Microsoft documents no character
// set for it, so certroll accepts the conservative one that is safe in all three places (and in
// a WQL filter): letters, digits, '_' and '-'.
export const BC_SERVICE_PREFIX = 'MicrosoftDynamicsNavServer$';
export const MAX_BC_INSTANCE = MAX_SERVICE_NAME - BC_SERVICE_PREFIX.length;

/** A Business Central (NAV) server instance name, the short form (BC230, not the service name). */
export function bcInstanceNameProblem(value: string): ValueProblem | undefined {
  const what = 'server instance name';
  if (value === '') return { message: `${what} is empty` };
  const hidden = hiddenProblem(
    what,
    value,
    'Retype the name, or copy it from Get-NAVServerInstance.',
  );
  if (hidden !== undefined) return hidden;
  if (value.toLowerCase().startsWith(BC_SERVICE_PREFIX.toLowerCase()))
    return {
      message: `${what} ${visible(value)} is the service name; give the instance name alone`,
      hint: `Write ${JSON.stringify(value.slice(BC_SERVICE_PREFIX.length))}: certroll adds ${BC_SERVICE_PREFIX} itself.`,
    };
  if (value.length > MAX_BC_INSTANCE)
    return {
      message: `${what} has ${value.length} characters; at most ${MAX_BC_INSTANCE} fit in a Windows service name after ${BC_SERVICE_PREFIX}`,
    };
  const bad = /[^A-Za-z0-9_-]/u.exec(value);
  if (bad !== null || value.startsWith('-'))
    return {
      message: `${what} ${visible(value)} contains ${JSON.stringify(bad?.[0] ?? '-')}${bad === null ? ' at the start' : ''}; certroll accepts letters, digits, '_' and '-' (not first)`,
      hint: 'Copy the name from Get-NAVServerInstance (the part after $), e.g. BC230.',
    };
  return undefined;
}
