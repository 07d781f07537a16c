// The second wall: one rule per kind of value that ends up in a remote command (a folder or file
// on the host, a Windows service or Business Central instance name, a certificate thumbprint).
// Quoting already keeps these values from being read as code; these rules keep a well-quoted
// value from naming the wrong thing (a relative or `..` path, an option, a wildcard, a thumbprint
// with a character copied out of a dialog). Each rule returns why the value is refused, or
// undefined; callers add where the value came from.

/** The shell a host's (or a playbook's) commands run in. */
export type RemoteShell = 'sh' | 'powershell';

/** A refused value: what is wrong (naming the value) and what to do. */
export interface ValueProblem {
  readonly message: string;
  readonly hint?: string;
}

// Characters that are invisible or control text when copied out of a GUI, each with its Unicode
// name so the message says exactly what was found.
const NAMED: Readonly<Record<number, string>> = {
  0x00a0: 'NO-BREAK SPACE',
  0x00ad: 'SOFT HYPHEN',
  0x061c: 'ARABIC LETTER MARK',
  0x180e: 'MONGOLIAN VOWEL SEPARATOR',
  0x2007: 'FIGURE SPACE',
  0x200b: 'ZERO WIDTH SPACE',
  0x200c: 'ZERO WIDTH NON-JOINER',
  0x200d: 'ZERO WIDTH JOINER',
  0x200e: 'LEFT-TO-RIGHT MARK',
  0x200f: 'RIGHT-TO-LEFT MARK',
  0x202a: 'LEFT-TO-RIGHT EMBEDDING',
  0x202b: 'RIGHT-TO-LEFT EMBEDDING',
  0x202c: 'POP DIRECTIONAL FORMATTING',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE',
  0x202e: 'RIGHT-TO-LEFT OVERRIDE',
  0x202f: 'NARROW NO-BREAK SPACE',
  0x2060: 'WORD JOINER',
  0x2066: 'LEFT-TO-RIGHT ISOLATE',
  0x2067: 'RIGHT-TO-LEFT ISOLATE',
  0x2068: 'FIRST STRONG ISOLATE',
  0x2069: 'POP DIRECTIONAL ISOLATE',
  0xfeff: 'ZERO WIDTH NO-BREAK SPACE (byte order mark)',
};
const CONTROL_NAMES: Readonly<Record<number, string>> = {
  0x00: 'NUL',
  0x09: 'TAB',
  0x0a: 'LINE FEED',
  0x0d: 'CARRIAGE RETURN',
  0x1b: 'ESCAPE',
  0x7f: 'DELETE',
};

const isControl = (cp: number): boolean => cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
const isHidden = (cp: number): boolean =>
  isControl(cp) || cp in NAMED || (cp >= 0x2061 && cp <= 0x206f) || (cp >= 0xfff9 && cp <= 0xfffb);

export interface HiddenCharacter {
  /** `U+200E` */
  readonly code: string;
  /** `an invisible U+200E LEFT-TO-RIGHT MARK` or `a control character U+000A LINE FEED` */
  readonly description: string;
  /** 1-based, counted in characters (code points) as an editor counts them. */
  readonly position: number;
}

/** The first control or invisible character of `s`, named, with its position. */
export function findHiddenCharacter(s: string): HiddenCharacter | undefined {
  let position = 0;
  for (const ch of s) {
    position++;
    const cp = ch.codePointAt(0) ?? 0;
    if (!isHidden(cp)) continue;
    const code = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    const name = NAMED[cp] ?? CONTROL_NAMES[cp];
    const description = isControl(cp)
      ? `a control character ${code}${name !== undefined ? ` ${name}` : ''}`
      : `an invisible ${code}${name !== undefined ? ` ${name}` : ''}`;
    return { code, description, position };
  }
  return undefined;
}

/** The value as JSON, with hidden characters written as \uXXXX so the message shows them. */
export function visible(s: string): string {
  return JSON.stringify(s).replace(/[^\x20-\x7e]/gu, (ch) => {
    const cp = ch.codePointAt(0) ?? 0;
    return isHidden(cp) ? `\\u${cp.toString(16).padStart(4, '0')}` : ch;
  });
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

// --- certificate thumbprints --------------------------------------------------------------------

const COPIED_HINT =
  'Copying a thumbprint out of the Windows certificate dialog (MMC) brings an invisible mark along; type it again or copy it from PowerShell (Get-ChildItem Cert:\\LocalMachine\\My).';

/** A Windows certificate thumbprint: the SHA-1 of the certificate, exactly 40 hex digits. */
export function thumbprintProblem(value: string, what = 'thumbprint'): ValueProblem | undefined {
  const hidden = findHiddenCharacter(value);
  if (hidden !== undefined)
    return {
      message: `${what} ${visible(value)} contains ${hidden.description} at position ${hidden.position} (copied from the certificate dialog?)`,
      hint: COPIED_HINT,
    };
  if (/^[0-9A-Fa-f]{40}$/u.test(value)) return undefined;
  if (/\s/u.test(value) && /^[0-9A-Fa-f]{40}$/u.test(value.replace(/\s/gu, '')))
    return {
      message: `${what} ${visible(value)} contains spaces (as the certificate dialog shows it)`,
      hint: 'Write the 40 hex digits without spaces; certroll does not rewrite a thumbprint for you.',
    };
  if (/^[0-9A-Fa-f]{64}$/u.test(value))
    return {
      message: `${what} ${visible(value)} has 64 hex digits: that is a SHA-256 fingerprint, not a thumbprint`,
      hint: 'A Windows thumbprint is the SHA-1 (40 hex digits); `certroll cert check FILE` prints both.',
    };
  const bad = /[^0-9A-Fa-f]/u.exec(value);
  if (bad !== null)
    return {
      message: `${what} ${visible(value)} contains ${JSON.stringify(bad[0])} at position ${[...value.slice(0, bad.index)].length + 1}; a thumbprint is 40 hex digits (0-9, A-F)`,
      hint: COPIED_HINT,
    };
  return {
    message: `${what} ${visible(value)} has ${value.length} hex digits; a SHA-1 thumbprint has exactly 40`,
    hint: 'Copy the whole thumbprint; `certroll cert check FILE` prints it.',
  };
}

/**
 * Why a value given as a SHA-256 fingerprint (`--old`, `--expect`) is not one, when a reason can
 * be named: a thumbprint given instead, or an invisible character pasted along.
 */
export function sha256Mistake(value: string): string | undefined {
  const hidden = findHiddenCharacter(value.replace(/[ \t]/gu, ''));
  if (hidden !== undefined) {
    return `it contains ${hidden.description} (copied from the certificate dialog?)`;
  }
  if (/^[0-9A-Fa-f]{40}$/u.test(value.replace(/[\s:]/gu, ''))) {
    return 'that is a SHA-1 thumbprint (40 hex digits), not the SHA-256 fingerprint (64)';
  }
  return undefined;
}

/** The value as typed, or as JSON with \uXXXX escapes when it holds a hidden character. */
export function printable(value: string): string {
  return findHiddenCharacter(value) === undefined ? value : visible(value);
}
