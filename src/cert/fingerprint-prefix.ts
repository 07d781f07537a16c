// Fingerprints as people paste them into `--old` / `--expect`: the whole SHA-256 or a prefix of
// it (hex, colons or not, any case, the `…` a table printed after it), or OpenSSH-style
// `SHA256:<base64>`. A prefix is resolved against the fingerprints the command actually saw, so it
// names exactly one certificate or is refused. Pure.
import { CertrollError } from '../errors.js';

/** The shortest prefix accepted: 32 bits, as `git` and `docker` accept short ids. */
export const MIN_PREFIX_HEX = 8;

/** The form tables print, which the flags accept back. */
export const SHORT_HEX = 16;
export const shortFingerprint = (sha256: string): string => sha256.slice(0, SHORT_HEX);

const TRAILING_ELLIPSIS = /(?:…|\.\.\.)$/u;

/**
 * A whole SHA-256 (64 hex digits) or a prefix of at least MIN_PREFIX_HEX, canonical (lowercase
 * hex, no separators); `SHA256:` + 43 base64 characters (as ssh-keygen prints) becomes its hex.
 * Undefined when the value is none of these; `why` says what is wrong with it.
 */
export function parseFingerprintPrefix(
  input: string,
): { readonly hex: string } | { readonly why: string } {
  const trimmed = input.trim().replace(TRAILING_ELLIPSIS, '');
  const base64 = /^SHA256:([A-Za-z0-9+/]{43})=?$/u.exec(trimmed);
  if (base64?.[1] !== undefined && !/^[0-9a-fA-F]+$/u.test(base64[1])) {
    return { hex: Buffer.from(base64[1], 'base64').toString('hex') };
  }
  const hex = trimmed
    .replace(/^sha-?256(?:\s*fingerprint)?\s*[:=]\s*/iu, '')
    .replace(/[\s:]/gu, '')
    .toLowerCase();
  if (/^SHA256:[A-Za-z0-9+/]+$/u.test(trimmed) && !/^[0-9a-f]+$/u.test(hex))
    return { why: 'a base64 SHA256:... fingerprint must be whole (43 characters)' };
  if (!/^[0-9a-f]+$/u.test(hex)) return { why: 'it is not hexadecimal' };
  if (hex.length > 64) return { why: `it has ${hex.length} hex digits, a SHA-256 has 64` };
  if (hex.length < MIN_PREFIX_HEX)
    return { why: `a prefix needs at least ${MIN_PREFIX_HEX} hex digits (${hex.length} given)` };
  return { hex };
}

const LISTED = 8;

function listed(fingerprints: readonly string[]): string {
  const shown = fingerprints.slice(0, LISTED).map(shortFingerprint).join(', ');
  return fingerprints.length > LISTED ? `${shown} and ${fingerprints.length - LISTED} more` : shown;
}

/**
 * The one fingerprint among `seen` that `value` (canonical hex, see parseFingerprintPrefix) names.
 * A whole fingerprint stands for itself, seen or not (an --old nothing serves any more is fine).
 * A prefix two seen certificates share, or one nothing seen starts with, is a usage error that
 * lists the candidates: guessing would judge or replace the wrong certificate.
 */
export function resolveFingerprintPrefix(
  flag: string,
  value: string,
  seen: Iterable<string>,
  where: string,
): string {
  if (value.length === 64) return value;
  const all = [...new Set(seen)].sort();
  const matches = all.filter((fp) => fp.startsWith(value));
  if (matches.length === 1 && matches[0] !== undefined) return matches[0];
  if (matches.length > 1)
    throw new CertrollError(
      'USAGE',
      `${flag} ${value} is ambiguous: ${matches.length} certificates ${where} start with it (${listed(matches)})`,
      {
        hint: 'Give more digits, or the whole fingerprint (`certroll cert check FILE` prints it).',
      },
    );
  throw new CertrollError(
    'USAGE',
    `${flag} ${value} matches no certificate ${where}${all.length === 0 ? ' (none seen)' : ` (seen: ${listed(all)})`}`,
    {
      hint: 'A prefix must start a fingerprint the command sees; for a certificate served nowhere give its whole fingerprint (`certroll cert check FILE`).',
    },
  );
}
