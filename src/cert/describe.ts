import { type KeyObject, type X509Certificate } from 'node:crypto';
import { signatureAlgorithmOid } from './der.js';
import { type Fingerprints, fingerprints } from './fingerprints.js';
import { subjectAltNames } from './names.js';
import { type Bundle, type BundleNote } from './types.js';
import { notAfter, notBefore } from './validity.js';

const SIGNATURE_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.1': 'ecdsa-with-SHA224',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.2.840.10040.4.3': 'dsa-with-SHA1',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
};

/** Signature algorithms that can be forged today (collisions are practical). */
export const WEAK_SIGNATURE_OIDS = new Set([
  '1.2.840.113549.1.1.2',
  '1.2.840.113549.1.1.4',
  '1.2.840.113549.1.1.5',
  '1.2.840.10045.4.1',
  '1.2.840.10040.4.3',
]);

export interface SignatureAlgorithm {
  readonly oid: string;
  readonly name: string;
}

export function signatureAlgorithm(cert: X509Certificate): SignatureAlgorithm {
  let oid: string;
  try {
    oid = signatureAlgorithmOid(cert.raw);
  } catch {
    // node:crypto parsed the certificate, so this cannot really happen; keep describing.
    return { oid: 'unknown', name: 'unknown' };
  }
  return { oid, name: SIGNATURE_ALGORITHMS[oid] ?? oid };
}

export interface KeyInfo {
  readonly type: string;
  /** RSA modulus bits, or the EC curve's field size. */
  readonly bits?: number;
  /** EC curve (OpenSSL name, e.g. prime256v1). */
  readonly curve?: string;
  /** `RSA 2048`, `EC prime256v1 (P-256)`, `Ed25519`. */
  readonly summary: string;
}

const CURVES: Readonly<Record<string, { nist?: string; bits: number }>> = {
  prime256v1: { nist: 'P-256', bits: 256 },
  secp384r1: { nist: 'P-384', bits: 384 },
  secp521r1: { nist: 'P-521', bits: 521 },
  secp224r1: { nist: 'P-224', bits: 224 },
  prime192v1: { nist: 'P-192', bits: 192 },
  secp256k1: { bits: 256 },
};

export function keyInfo(key: KeyObject): KeyInfo {
  const type = key.asymmetricKeyType ?? 'unknown';
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'rsa' || type === 'rsa-pss') {
    const bits = details.modulusLength;
    return {
      type,
      ...(bits !== undefined ? { bits } : {}),
      summary: `${type.toUpperCase()} ${bits ?? '?'}`,
    };
  }
  if (type === 'ec') {
    const curve = details.namedCurve ?? 'unknown';
    const known = CURVES[curve];
    return {
      type,
      curve,
      ...(known ? { bits: known.bits } : {}),
      summary: `EC ${curve}${known?.nist !== undefined ? ` (${known.nist})` : ''}`,
    };
  }
  return { type, summary: type === 'ed25519' ? 'Ed25519' : type === 'ed448' ? 'Ed448' : type };
}

export interface CertSummary {
  readonly subject: string;
  readonly issuer: string;
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly signatureAlgorithm: string;
  readonly sha256: string;
  readonly isCa: boolean;
}

export interface BundleDescription {
  readonly subject: string;
  readonly issuer: string;
  readonly serial: string;
  readonly sans: { readonly dns: readonly string[]; readonly ip: readonly string[] };
  readonly notBefore: string;
  readonly notAfter: string;
  readonly key: KeyInfo;
  readonly signatureAlgorithm: string;
  readonly fingerprints: Fingerprints;
  readonly chain: readonly CertSummary[];
  readonly notes: readonly BundleNote[];
  readonly source: Bundle['source'];
}

export function oneLineName(name: string): string {
  return name.split('\n').join(', ');
}

export function summarize(cert: X509Certificate): CertSummary {
  return {
    subject: oneLineName(cert.subject),
    issuer: oneLineName(cert.issuer),
    serial: cert.serialNumber.toLowerCase(),
    notBefore: notBefore(cert).toISOString(),
    notAfter: notAfter(cert).toISOString(),
    signatureAlgorithm: signatureAlgorithm(cert).name,
    sha256: fingerprints(cert).sha256,
    isCa: cert.ca,
  };
}

/** Everything a person checks before rolling a certificate out, as plain data. */
export function describe(bundle: Bundle): BundleDescription {
  const leaf = summarize(bundle.leaf);
  return {
    subject: leaf.subject,
    issuer: leaf.issuer,
    serial: leaf.serial,
    sans: subjectAltNames(bundle.leaf),
    notBefore: leaf.notBefore,
    notAfter: leaf.notAfter,
    key: keyInfo(bundle.leaf.publicKey),
    signatureAlgorithm: leaf.signatureAlgorithm,
    fingerprints: fingerprints(bundle.leaf),
    chain: bundle.chain.map(summarize),
    notes: bundle.notes,
    source: bundle.source,
  };
}
