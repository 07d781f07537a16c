import { type X509Certificate } from 'node:crypto';
import { isSelfSigned, issuedBy, subjectCn } from './assemble.js';
import { type Check } from './check.js';
import { WEAK_SIGNATURE_OIDS, signatureAlgorithm } from './describe.js';
import { sha256Hex } from './fingerprints.js';
import { type Bundle } from './types.js';
import { notAfter } from './validity.js';

/** The chain, as built, reaches an anchor; every intermediate is a CA and still valid. */
export function chainTrust(
  bundle: Bundle,
  anchors: readonly X509Certificate[],
  source: string,
  now: Date,
): Check {
  const fail = (message: string): Check => ({
    id: 'chain-trust',
    ok: false,
    severity: 'error',
    message,
  });
  const path = [bundle.leaf, ...bundle.chain];
  for (const inter of bundle.chain) {
    if (!inter.ca) return fail(`"${subjectCn(inter)}" in the chain is not a CA certificate`);
    if (notAfter(inter).getTime() <= now.getTime()) {
      return fail(`"${subjectCn(inter)}" in the chain expired on ${notAfter(inter).toISOString()}`);
    }
  }
  const anchorPrints = new Set(anchors.map(sha256Hex));
  const anchoredAt = path.findIndex((c) => anchorPrints.has(sha256Hex(c)));
  if (anchoredAt >= 0) {
    return {
      id: 'chain-trust',
      ok: true,
      severity: 'error',
      message: `the chain builds to "${subjectCn(path[anchoredAt] ?? bundle.leaf)}" from ${source}`,
    };
  }
  const top = path[path.length - 1] ?? bundle.leaf;
  const anchor = isSelfSigned(top) ? undefined : anchors.find((a) => issuedBy(top, a));
  if (anchor !== undefined) {
    return {
      id: 'chain-trust',
      ok: true,
      severity: 'error',
      message: `the chain builds to "${subjectCn(anchor)}" from ${source}`,
    };
  }
  const end = isSelfSigned(top)
    ? `"${subjectCn(top)}", a self-signed certificate`
    : `"${subjectCn(top)}" (issued by "${top.issuer.replace(/\n/g, ', ')}")`;
  const hint =
    bundle.chain.length === 0 && !isSelfSigned(top)
      ? '; the bundle holds no intermediate certificates (add them with --chain)'
      : '';
  return fail(`the chain ends at ${end}, which is not in ${source}${hint}`);
}

/** No certificate a client checks the signature of is signed with SHA-1 or MD5. */
export function weakSignature(bundle: Bundle): Check {
  // A self-signed root's own signature is never checked by clients, so it does not count.
  const weak = [bundle.leaf, ...bundle.chain]
    .filter((c) => !isSelfSigned(c))
    .map((c) => ({ c, alg: signatureAlgorithm(c) }))
    .filter(({ alg }) => WEAK_SIGNATURE_OIDS.has(alg.oid));
  return weak.length === 0
    ? {
        id: 'weak-signature',
        ok: true,
        severity: 'error',
        message: `signed with ${signatureAlgorithm(bundle.leaf).name}`,
      }
    : {
        id: 'weak-signature',
        ok: false,
        severity: 'error',
        message:
          weak.map(({ c, alg }) => `"${subjectCn(c)}" is signed with ${alg.name}`).join('; ') +
          ' (SHA-1 and MD5 signatures can be forged; clients reject them)',
      };
}
