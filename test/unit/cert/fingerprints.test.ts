import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describe as describeBundle,
  fingerprints,
  loadBundle,
  normalizeFingerprint,
} from '../../../src/cert/index.js';
import { CertrollError } from '../../../src/errors.js';
import { TestPki, type Issued } from '../../lab/pki.js';

let pki: TestPki;
let set: { root: Issued; intermediate: Issued; leaf: Issued };
beforeAll(() => {
  pki = TestPki.create();
  set = pki.chain(['www.example.com', 'IP:127.0.0.1'], { key: { type: 'ec', curve: 'secp384r1' } });
});
afterAll(() => pki.cleanup());

describe('fingerprints', () => {
  it('gives SHA-256 as lowercase hex and the SHA-1 Windows thumbprint as uppercase hex', () => {
    const fp = fingerprints(set.leaf.x509);
    expect(fp.sha256).toBe(set.leaf.sha256);
    expect(fp.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(fp.thumbprint).toBe(set.leaf.thumbprint);
    expect(fp.thumbprint).toMatch(/^[0-9A-F]{40}$/);
    expect(fp.sha256Display).toBe(set.leaf.x509.fingerprint256);
  });

  it('normalizes fingerprints written with colons, spaces or any case', () => {
    const display = set.leaf.x509.fingerprint256;
    expect(normalizeFingerprint(display)).toBe(set.leaf.sha256);
    expect(normalizeFingerprint(display.replace(/:/g, ' ').toLowerCase())).toBe(set.leaf.sha256);
    expect(normalizeFingerprint(`  ${set.leaf.thumbprint.toLowerCase()} `)).toBe(
      set.leaf.thumbprint.toLowerCase(),
    );
  });

  it('rejects text that is not a fingerprint', () => {
    expect(() => normalizeFingerprint('abc')).toThrow(CertrollError);
    expect(() => normalizeFingerprint('z'.repeat(64))).toThrow(
      /not a SHA-256 or SHA-1 fingerprint/,
    );
  });
});

describe('describing a bundle', () => {
  it('shows subject, SANs, validity, key, signature algorithm, fingerprints and chain', () => {
    const path = pki.write('d.pem', set.leaf.certPem + set.leaf.keyPem + set.intermediate.certPem);
    const d = describeBundle(loadBundle({ path }));
    expect(d.subject).toBe('CN=www.example.com');
    expect(d.issuer).toBe('CN=certroll test intermediate');
    expect(d.serial).toMatch(/^[0-9a-f]+$/);
    expect(d.sans).toEqual({ dns: ['www.example.com'], ip: ['127.0.0.1'] });
    expect(d.key).toMatchObject({
      type: 'ec',
      curve: 'secp384r1',
      summary: 'EC secp384r1 (P-384)',
    });
    expect(d.signatureAlgorithm).toBe('sha256WithRSAEncryption');
    expect(d.fingerprints.thumbprint).toBe(set.leaf.thumbprint);
    expect(d.chain.map((c) => c.subject)).toEqual(['CN=certroll test intermediate']);
    expect(d.chain[0]?.signatureAlgorithm).toBe('sha256WithRSAEncryption');
    expect(new Date(d.notAfter).getTime()).toBe(set.leaf.x509.validToDate.getTime());
  });

  it('reports RSA key sizes', () => {
    const rsa = pki.issue(
      { cn: 'rsa.example.com', key: { type: 'rsa', bits: 3072 } },
      set.intermediate,
    );
    const d = describeBundle(loadBundle({ path: rsa.certPath, keyPath: rsa.keyPath }));
    expect(d.key).toMatchObject({ type: 'rsa', bits: 3072, summary: 'RSA 3072' });
  });
});
