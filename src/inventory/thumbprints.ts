// Certificate thumbprints and fingerprints as people paste them: a Windows thumbprint must be
// the SHA-1's 40 hex digits, and a SHA-256 fingerprint must not be a thumbprint given instead.
// The common damage (an invisible mark from the certificate dialog, spaces, the wrong hash) is
// named, with what to do.
import { findHiddenCharacter, visible } from './hidden-characters.js';
import { type ValueProblem } from './values.js';

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
