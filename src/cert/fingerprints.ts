import { createHash, type X509Certificate } from 'node:crypto';
import { CertrollError } from '../errors.js';

export interface Fingerprints {
  /** SHA-256 of the DER, lowercase hex without separators: certroll's canonical identity. */
  readonly sha256: string;
  /** The same with colons between bytes, uppercase, as browsers and openssl show it. */
  readonly sha256Display: string;
  /** SHA-1 of the DER, uppercase hex: the Windows certificate thumbprint. */
  readonly thumbprint: string;
}

export function sha256Hex(cert: X509Certificate): string {
  return createHash('sha256').update(cert.raw).digest('hex');
}

export function fingerprints(cert: X509Certificate): Fingerprints {
  const sha256 = sha256Hex(cert);
  return {
    sha256,
    sha256Display: (sha256.toUpperCase().match(/../g) ?? []).join(':'),
    thumbprint: createHash('sha1').update(cert.raw).digest('hex').toUpperCase(),
  };
}

/**
 * Canonical form of a fingerprint typed or pasted by a user: separators (colons, spaces,
 * dashes) removed, lowercase. SHA-256 (64 hex digits) and SHA-1 (40) are accepted.
 */
export function normalizeFingerprint(input: string): string {
  const hex = input
    .replace(/^sha(?:256|1)[:=]/i, '')
    .replace(/[\s:-]/g, '')
    .toLowerCase();
  if (!/^[0-9a-f]+$/.test(hex) || (hex.length !== 64 && hex.length !== 40)) {
    throw new CertrollError('USAGE', `"${input}" is not a SHA-256 or SHA-1 fingerprint`, {
      hint: 'Give 64 (SHA-256) or 40 (SHA-1 thumbprint) hex digits; colons and spaces are fine.',
    });
  }
  return hex;
}
