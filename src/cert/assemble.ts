import { type KeyObject, type X509Certificate, createPublicKey } from 'node:crypto';
import { CertrollError } from '../errors.js';
import { sha256Hex } from './fingerprints.js';
import {
  type Bundle,
  type BundleFormat,
  type BundleNote,
  type Parsed,
  type SourcedCert,
  type SourcedKey,
} from './types.js';

export const MAX_CERTIFICATES = 32;

/** True when `issuer` signed `cert` (names match and the signature verifies). */
export function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** True when `key` is the private half of the certificate's public key (any key type). */
export function keyMatches(cert: X509Certificate, key: KeyObject): boolean {
  try {
    return createPublicKey(key).equals(cert.publicKey);
  } catch {
    return false;
  }
}

export function isSelfSigned(cert: X509Certificate): boolean {
  return issuedBy(cert, cert);
}

/**
 * Picks the leaf (the certificate of the one private key), builds its chain upwards from what
 * was given, and reports certificates it reordered or could not place.
 */
export function assembleBundle(
  parts: readonly Parsed[],
  source: { format: BundleFormat; files: readonly string[] },
): Bundle {
  const notes: BundleNote[] = [];
  const certs = dedupeCerts(
    parts.flatMap((p) => p.certs),
    notes,
  );
  const keys = dedupeKeys(parts.flatMap((p) => p.keys));
  const files = source.files.join(', ');
  if (certs.length === 0) {
    throw new CertrollError('CERT_BUNDLE', `no certificate found in ${files}`, {
      hint: 'Give the file that holds the certificate (a PFX, or PEM with -----BEGIN CERTIFICATE-----).',
    });
  }
  // Building a chain compares certificates pairwise; real chains have a handful of them.
  if (certs.length > MAX_CERTIFICATES) {
    throw new CertrollError(
      'CERT_BUNDLE',
      `${certs.length} certificates found in ${files}; a bundle has at most ${MAX_CERTIFICATES}`,
      { hint: 'Give the leaf, its key and its intermediates, not a whole certificate store.' },
    );
  }
  const [key, ...otherKeys] = keys;
  if (key === undefined) {
    throw new CertrollError('CERT_BUNDLE', `no private key found in ${files}`, {
      hint: 'Give a PFX that includes the key, or the key file with --key.',
    });
  }
  if (otherKeys.length > 0) {
    throw new CertrollError(
      'CERT_BUNDLE',
      `${keys.length} different private keys found (${keys.map((k) => k.origin).join('; ')}); a bundle has exactly one`,
      { hint: 'Remove the keys that do not belong to the certificate.' },
    );
  }
  const leaf = pickLeaf(certs, key);
  const chain: X509Certificate[] = [];
  const rest = certs.filter((c) => c !== leaf);
  for (let current = leaf.cert; !isSelfSigned(current);) {
    const index = rest.findIndex((c) => issuedBy(current, c.cert));
    const next = rest[index];
    if (next === undefined) break;
    chain.push(next.cert);
    rest.splice(index, 1);
    current = next.cert;
  }
  const given = certs.map((c) => c.cert);
  const built = [leaf.cert, ...chain];
  // A PFX has no meaningful order; a PEM file does (servers send it as written).
  if (source.format !== 'pfx' && built.some((c, i) => given[i] !== c)) {
    notes.push({
      kind: 'reordered',
      message: `certificates were out of order and were reordered leaf first: ${built.map((c) => subjectCn(c)).join(' → ')}`,
    });
  }
  for (const extra of rest) {
    notes.push({
      kind: 'unrelated',
      message: `${extra.origin}: "${extra.cert.subject.replace(/\n/g, ', ')}" is not part of the leaf's chain and is left out`,
    });
  }
  return {
    leaf: leaf.cert,
    key: key.key,
    chain,
    extras: rest.map((c) => c.cert),
    notes,
    source: { format: source.format, files: source.files },
  };
}

function pickLeaf(certs: readonly SourcedCert[], key: SourcedKey): SourcedCert {
  const matching = certs.filter((c) => keyMatches(c.cert, key.key));
  if (matching.length === 1 && matching[0] !== undefined) return matching[0];
  if (matching.length > 1) {
    throw new CertrollError(
      'CERT_BUNDLE',
      `${matching.length} certificates match the private key (${matching.map(describeCert).join('; ')}); cannot tell which one is the leaf`,
      {
        hint: 'Keep only the certificate you mean to roll out (an older one for the same key was probably left in).',
      },
    );
  }
  // No certificate matches the key: the gate reports key-mismatch, but only once the leaf is
  // unambiguous, i.e. exactly one certificate issued no other.
  const ends = certs.filter((c) => !certs.some((o) => o !== c && issuedBy(o.cert, c.cert)));
  if (ends.length === 1 && ends[0] !== undefined) return ends[0];
  throw new CertrollError(
    'CERT_BUNDLE',
    `no certificate matches the private key, and ${ends.length} could be the leaf (${ends.map(describeCert).join('; ')})`,
    { hint: 'Give the certificate and the key that belong together.' },
  );
}

function describeCert(c: SourcedCert): string {
  return `${c.origin}: ${subjectCn(c.cert)}`;
}

export function subjectCn(cert: X509Certificate): string {
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject);
  return cn?.[1] ?? cert.subject.replace(/\n/g, ', ');
}

function dedupeCerts(certs: readonly SourcedCert[], notes: BundleNote[]): SourcedCert[] {
  const seen = new Map<string, SourcedCert>();
  for (const c of certs) {
    const fp = sha256Hex(c.cert);
    const first = seen.get(fp);
    if (first === undefined) seen.set(fp, c);
    else notes.push({ kind: 'duplicate', message: `${c.origin} repeats ${first.origin}; ignored` });
  }
  return [...seen.values()];
}

function dedupeKeys(keys: readonly SourcedKey[]): SourcedKey[] {
  const out: SourcedKey[] = [];
  for (const k of keys) if (!out.some((o) => o.key.equals(k.key))) out.push(k);
  return out;
}
