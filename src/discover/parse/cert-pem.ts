// Certificate facts from PEM text fetched from a host (public material only).
import { X509Certificate, createHash } from 'node:crypto';
import { type CertFacts } from '../types.js';

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/** The first certificate of `text`, or undefined when there is none (openssl printed an error). */
export function certFactsFromPem(text: string): CertFacts | undefined {
  const m = PEM_CERT.exec(text);
  if (m === null) return undefined;
  try {
    const x = new X509Certificate(m[0]);
    return {
      sha256: createHash('sha256').update(x.raw).digest('hex'),
      thumbprint: createHash('sha1').update(x.raw).digest('hex').toUpperCase(),
      subject: x.subject.replace(/\n/g, ', '),
      notAfter: x.validTo,
      notAfterMs: Date.parse(x.validTo),
    };
  } catch {
    return undefined;
  }
}
