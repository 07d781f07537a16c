import { X509Certificate } from 'node:crypto';
import { checkServerIdentity } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { issueCertificate } from '../../../src/demo/x509.js';

const DAY = 86_400_000;

describe('the demo X.509 builder', () => {
  const ca = issueCertificate({ commonName: 'demo CA', isCa: true, days: 30 });
  const leaf = issueCertificate({
    commonName: 'www.demo.test',
    dnsNames: ['www.demo.test', 'api.demo.test'],
    days: 90,
    issuer: ca,
  });

  it('writes certificates node:crypto parses, and a CA that signs itself', () => {
    const parsed = new X509Certificate(ca.certPem);
    expect(parsed.ca).toBe(true);
    expect(parsed.subject).toBe('O=certroll demo\nCN=demo CA');
    expect(parsed.verify(parsed.publicKey)).toBe(true);
    expect(parsed.checkPrivateKey(ca.key)).toBe(true);
  });

  it('signs a leaf with the CA key: verify(), checkIssued, key pair', () => {
    expect(leaf.cert.ca).toBe(false);
    expect(leaf.cert.issuer).toBe(ca.cert.subject);
    expect(leaf.cert.verify(ca.cert.publicKey)).toBe(true);
    expect(leaf.cert.verify(leaf.cert.publicKey)).toBe(false);
    expect(leaf.cert.checkIssued(ca.cert)).toBe(true);
    expect(leaf.cert.checkPrivateKey(leaf.key)).toBe(true);
    expect(leaf.cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  it('carries the SANs and serverAuth, and matches names as TLS clients do', () => {
    expect(leaf.cert.subjectAltName).toBe('DNS:www.demo.test, DNS:api.demo.test');
    expect(leaf.cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    const peer = { subject: { CN: 'www.demo.test' }, subjectaltname: leaf.cert.subjectAltName };
    expect(checkServerIdentity('api.demo.test', peer as never)).toBeUndefined();
    expect(checkServerIdentity('other.demo.test', peer as never)).toBeInstanceOf(Error);
  });

  it('sets the validity window it was asked for, in UTCTime and GeneralizedTime', () => {
    const from = new Date('2030-01-01T00:00:00Z');
    const c = issueCertificate({ commonName: 'x', days: 10, notBefore: from });
    expect(new Date(c.cert.validFrom).getTime()).toBe(from.getTime());
    expect(new Date(c.cert.validTo).getTime()).toBe(from.getTime() + 10 * DAY);
    // From 2050 RFC 5280 wants GeneralizedTime; node must still read it.
    const late = issueCertificate({ commonName: 'y', days: 365 * 30, notBefore: from });
    expect(new Date(late.cert.validTo).getUTCFullYear()).toBe(2059);
  });

  it('gives every certificate a fresh key and a positive serial', () => {
    const again = issueCertificate({ commonName: 'www.demo.test', days: 1, issuer: ca });
    expect(again.cert.publicKey.equals(leaf.cert.publicKey)).toBe(false);
    expect(again.cert.serialNumber).not.toBe(leaf.cert.serialNumber);
    expect(Number.parseInt(again.cert.serialNumber.slice(0, 2), 16)).toBeLessThan(0x80);
  });
});
