// The one rule for a file that holds a secret (a password file given on the command line, a
// secret file the inventory names): only its owner may read it, as OpenSSH demands of a key.
// A file others can read has leaked already; refusing it is the only safe answer.
import { statSync } from 'node:fs';
import { CertrollError } from './errors.js';

/** Mode bits that let a group or other users read, write or run the file. */
const OTHERS = 0o077;

/** The problem with a secret file of this mode, or undefined when only its owner can use it. */
export function secretModeProblem(
  path: string,
  mode: number,
  what: string,
): CertrollError | undefined {
  if ((mode & OTHERS) === 0) return undefined;
  return new CertrollError(
    'INPUT_UNREADABLE',
    `The ${what} ${path} is readable by other users (mode ${(mode & 0o777).toString(8)}).`,
    { file: path, hint: `Run: chmod 600 ${path}` },
  );
}

/** Throws the problem above for a file on disk (a missing file is left to the reader). */
export function assertSecretFileMode(path: string, what: string): void {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    return;
  }
  const problem = secretModeProblem(path, mode, what);
  if (problem !== undefined) throw problem;
}
