// The sh command lines for writing and removing files and for sudo, sent by the sh transports
// (ssh, local) and the staging step. Pure: every value is quoted by the one sh quoting function,
// and file contents travel on stdin, never in the script.
import { randomBytes } from 'node:crypto';
import { shQuote } from './quote.js';

/** Runs `script` through non-interactive sudo: it fails at once where sudo wants a password. */
export function sudoWrap(script: string): string {
  return `sudo -n -- sh -c ${shQuote(script)}`;
}

function checkMode(mode: number): string {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    throw new RangeError(`File mode ${String(mode)} is not between 0 and 0o7777.`);
  }
  return mode.toString(8).padStart(4, '0');
}

/** A temp file name beside `path` (same filesystem, so the final rename is atomic). */
export function tempPathFor(path: string): string {
  return `${path}.certroll-${randomBytes(6).toString('hex')}.tmp`;
}

/**
 * Writes stdin to `path` atomically. The umask makes the temp file's mode at creation no wider
 * than `mode`; noclobber refuses a temp name that already exists (a planted link); the temp file
 * is removed on failure and on TERM/INT/HUP.
 */
export function putFileScript(path: string, mode: number, temp = tempPathFor(path)): string {
  if (path === '') throw new RangeError('An empty path cannot be written.');
  const octal = checkMode(mode);
  const umask = (0o777 & ~mode).toString(8).padStart(4, '0');
  return [
    `p=${shQuote(path)}`,
    `t=${shQuote(temp)}`,
    `trap 'rm -f -- "$t"' EXIT`,
    `trap 'exit 143' TERM HUP INT`,
    `if [ -d "$p" ]; then echo "certroll: $p is a directory" >&2; exit 1; fi`,
    `umask ${umask}`,
    'set -C',
    'cat > "$t" || exit 1',
    `chmod ${octal} -- "$t" || exit 1`,
    'mv -f -- "$t" "$p" || exit 1',
  ].join('\n');
}

/**
 * What putFilesScript needs on the host besides a POSIX shell, checked by the pre-flight so that
 * a host without it fails before anything changes, not at staging.
 */
export const PUT_FILES_TOOLS_CHECK = [
  'for t in dd wc; do',
  `  command -v "$t" >/dev/null 2>&1 || { printf 'certroll: %s is not installed (staging writes files with it)\\n' "$t" >&2; exit 1; }`,
  'done',
].join('\n');

export interface FileToPut {
  readonly path: string;
  readonly mode: number;
  /** Length in bytes of this file's data on stdin. */
  readonly size: number;
}

/**
 * Writes several files from one stdin, each exactly `size` bytes: the data of all of them
 * concatenated travels on stdin, never in the script. `dd bs=1` reads byte by byte, so it never
 * takes the next file's bytes (POSIX; `head -c` may read ahead). Nothing is written unless no
 * target is a folder; every file is created exclusively (noclobber) under a umask that keeps it
 * within its mode, then all of them are checked for their length, given their modes and renamed
 * over their targets, so a short stdin leaves no target changed. Temp files are removed on failure
 * and on TERM/INT/HUP. Few processes: one dd per file that has bytes, one wc for all, one chmod
 * per mode, one mv per file (a host pays about 4 ms of CPU for each process started).
 */
export function putFilesScript(files: readonly FileToPut[]): string {
  const put = files.map((f, i) => checkFile(f, i + 1));
  if (put.length === 0) return `${PUT_FILES_TOOLS_CHECK}\n`;
  const temps = put.map((f) => `"$t${f.n}"`).join(' ');
  const lines = [
    PUT_FILES_TOOLS_CHECK,
    ...put.flatMap((f) => [`p${f.n}=${shQuote(f.path)}`, `t${f.n}=${shQuote(f.temp)}`]),
    // rm -f: the temp files already renamed are gone, the rest go. Cleared once all are renamed,
    // so that the success path starts no rm.
    `trap 'rm -f -- ${temps}' EXIT`,
    `trap 'exit 143' TERM HUP INT`,
    ...put.map(
      (f) => `if [ -d "$p${f.n}" ]; then echo "certroll: $p${f.n} is a directory" >&2; exit 1; fi`,
    ),
    'set -C',
    ...writeLines(put),
    ...lengthCheck(put),
    // One chmod per mode, not per file: umask already gave the mode, but a default ACL on the
    // folder overrides umask (only chmod sets the ACL mask), so the mode is set as before.
    ...[...new Set(put.map((f) => f.octal))].map(
      (octal) =>
        `chmod ${octal} -- ${put
          .filter((f) => f.octal === octal)
          .map((f) => `"$t${f.n}"`)
          .join(' ')} || exit 1`,
    ),
    ...put.map((f) => `mv -f -- "$t${f.n}" "$p${f.n}" || exit 1`),
    'trap - EXIT',
  ];
  return `${lines.join('\n')}\n`;
}

interface CheckedFile {
  readonly n: number;
  readonly path: string;
  readonly temp: string;
  readonly size: number;
  readonly octal: string;
  readonly umask: string;
}

function checkFile(f: FileToPut, n: number): CheckedFile {
  if (f.path === '') throw new RangeError('An empty path cannot be written.');
  if (!Number.isInteger(f.size) || f.size < 0) throw new RangeError(`Bad size ${f.size}.`);
  const octal = checkMode(f.mode);
  const umask = (0o777 & ~f.mode).toString(8).padStart(4, '0');
  return { n, path: f.path, temp: tempPathFor(f.path), size: f.size, octal, umask };
}

/** Each temp file from stdin in order, under its umask (set only where it changes). */
function writeLines(put: readonly CheckedFile[]): string[] {
  const lines: string[] = [];
  let umask = '';
  for (const f of put) {
    if (f.umask !== umask) lines.push(`umask ${f.umask}`);
    umask = f.umask;
    // An empty file needs no dd: the redirection alone creates it, exclusively.
    lines.push(
      f.size === 0
        ? `: > "$t${f.n}" || exit 1`
        : `dd bs=1 count=${f.size} 2>/dev/null > "$t${f.n}" || exit 1`,
    );
  }
  return lines;
}

/**
 * One wc for all the files with bytes: dd never writes more than its count, so the total is right
 * only when every file is. Only when it is not, a wc per file names the first short one (the
 * failure path may cost processes). The files are wc's arguments, not its stdin (bash forks once
 * more for a redirection inside `$(...)`): for one file its count is the first word, for several
 * the total is the last line. LC_ALL=C keeps wc's `total` one word; set -f keeps file names in
 * its output from being expanded.
 */
function lengthCheck(put: readonly CheckedFile[]): string[] {
  const sized = put.filter((f) => f.size > 0);
  if (sized.length === 0) return [];
  const sum = sized.reduce((a, f) => a + f.size, 0);
  const perFile = sized.map((f) => `short "$t${f.n}" ${f.size} "$p${f.n}"`).join('; ');
  const total =
    sized.length === 1
      ? `set -- $(wc -c -- "$t${sized[0]?.n}") && [ "\${1-}" = ${sum} ]`
      : `set -- $(LC_ALL=C wc -c -- ${sized.map((f) => `"$t${f.n}"`).join(' ')}) && [ $# -ge 2 ] && shift $(($# - 2)) && [ "$1" = ${sum} ]`;
  return [
    `short() { [ $(wc -c < "$1") -eq "$2" ] || { echo "certroll: short data for $3" >&2; exit 1; }; }`,
    'set -f',
    `${total} || { ${perFile}; echo "certroll: short data" >&2; exit 1; }`,
  ];
}

/** Removes `path`; a file that is not there is not an error. */
export function removeScript(path: string): string {
  if (path === '') throw new RangeError('An empty path cannot be removed.');
  return `rm -f -- ${shQuote(path)}`;
}
