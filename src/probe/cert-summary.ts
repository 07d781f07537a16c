import { type X509Certificate } from 'node:crypto';
import { type CertSummary } from './types.js';

/** `AB:CD:..` (X509Certificate's fingerprint form) to certroll's lowercase hex without separators. */
export function canonicalFingerprint(colonHex: string): string {
  return colonHex.replace(/:/g, '').toLowerCase();
}

/** certroll's canonical form for a fingerprint a user typed: `AB:CD..`, `ab cd..` or `abcd..`. */
export function normaliseSha256(input: string): string | undefined {
  const hex = input
    .replace(/^sha256[:=]/i, '')
    .replace(/[\s:]/g, '')
    .toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : undefined;
}

export function summarise(x509: X509Certificate): CertSummary {
  const notAfterMs = Date.parse(x509.validTo);
  return {
    sha256: canonicalFingerprint(x509.fingerprint256),
    thumbprint: x509.fingerprint.replace(/:/g, '').toUpperCase(),
    serial: x509.serialNumber.toUpperCase(),
    subject: x509.subject.replace(/\n/g, ', '),
    issuer: x509.issuer.replace(/\n/g, ', '),
    sans: (x509.subjectAltName ?? '')
      .split(', ')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    notBefore: new Date(Date.parse(x509.validFrom)).toISOString(),
    notAfter: new Date(notAfterMs).toISOString(),
    notAfterMs,
    selfIssued: x509.subject === x509.issuer,
  };
}

// The peer's chain as X509Certificate links it (leaf first). Bounded: a loop in a broken chain
// must not hang a probe.
export function chainOf(leaf: X509Certificate, max = 10): X509Certificate[] {
  const out: X509Certificate[] = [];
  let next = leaf.issuerCertificate;
  while (next !== undefined && out.length < max) {
    if (next.fingerprint256 === (out.at(-1) ?? leaf).fingerprint256) break;
    out.push(next);
    next = next.issuerCertificate;
  }
  return out;
}
