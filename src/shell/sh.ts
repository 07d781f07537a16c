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
 * Writes several files from one stdin, one after another, each exactly `size` bytes: the data of
 * all of them concatenated travels on stdin, never in the script. `dd bs=1` reads byte by byte,
 * so it never takes the next file's bytes (POSIX; `head -c` may read ahead). Each file is created
 * exclusively (noclobber) under a umask that keeps it within its mode, checked for its length,
 * then renamed over the target; temp files are removed on failure and on TERM/INT/HUP.
 */
export function putFilesScript(files: readonly FileToPut[]): string {
  const lines = [
    PUT_FILES_TOOLS_CHECK,
    // Only the file being written can be left behind: the ones before it were renamed.
    "t=''",
    `trap '[ -z "$t" ] || rm -f -- "$t"' EXIT`,
    `trap 'exit 143' TERM HUP INT`,
    'set -C',
  ];
  for (const f of files) {
    if (f.path === '') throw new RangeError('An empty path cannot be written.');
    if (!Number.isInteger(f.size) || f.size < 0) throw new RangeError(`Bad size ${f.size}.`);
    const octal = checkMode(f.mode);
    const umask = (0o777 & ~f.mode).toString(8).padStart(4, '0');
    const temp = tempPathFor(f.path);
    lines.push(
      `p=${shQuote(f.path)}`,
      `t=${shQuote(temp)}`,
      `if [ -d "$p" ]; then echo "certroll: $p is a directory" >&2; exit 1; fi`,
      `umask ${umask}`,
      `dd bs=1 count=${f.size} 2>/dev/null > "$t" || exit 1`,
      `[ $(wc -c < "$t") -eq ${f.size} ] || { echo "certroll: short data for $p" >&2; exit 1; }`,
      `chmod ${octal} -- "$t" || exit 1`,
      'mv -f -- "$t" "$p" || exit 1',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Removes `path`; a file that is not there is not an error. */
export function removeScript(path: string): string {
  if (path === '') throw new RangeError('An empty path cannot be removed.');
  return `rm -f -- ${shQuote(path)}`;
}
