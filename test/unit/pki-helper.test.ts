import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { TestPki } from '../lab/pki.js';

// The test PKI is itself code the other tests trust, so it gets a test of its own.
describe('the test PKI', () => {
  const pki = TestPki.create();
  afterAll(() => pki.cleanup());

  it('issues a chain whose leaf verifies against its intermediate and has the requested SANs', () => {
    const { root, intermediate, leaf } = pki.chain(['www.example.test', 'api.example.test']);
    expect(leaf.x509.verify(intermediate.x509.publicKey)).toBe(true);
    expect(intermediate.x509.verify(root.x509.publicKey)).toBe(true);
    expect(leaf.x509.subjectAltName).toBe('DNS:www.example.test, DNS:api.example.test');
    expect(leaf.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(leaf.thumbprint).toMatch(/^[0-9A-F]{40}$/);
  });

  it('issues expired, SHA-1 signed and EC certificates as asked', () => {
    const root = pki.root();
    const expired = pki.issue(
      { cn: 'old', days: -1, notBefore: new Date(Date.now() - 10 * 86_400_000) },
      root,
    );
    expect(new Date(expired.x509.validTo).getTime()).toBeLessThan(Date.now());
    const sha1 = pki.issue({ cn: 'sha1', digest: 'sha1' }, root);
    expect(
      execFileSync('openssl', ['x509', '-noout', '-text', '-in', sha1.certPath], {
        encoding: 'utf8',
      }),
    ).toContain('sha1WithRSAEncryption');
    const ec = pki.issue({ cn: 'ec', key: { type: 'ec', curve: 'prime256v1' } }, root);
    expect(ec.x509.publicKey.asymmetricKeyType).toBe('ec');
  });

  it('exports a PFX that openssl reads back with the password', () => {
    const { intermediate, leaf } = pki.chain(['pfx.example.test']);
    const path = pki.pfx(leaf, { password: 's3cret', chain: [intermediate], encoding: 'legacy' });
    const pass = pki.write('p.txt', 's3cret');
    const out = execFileSync(
      'openssl',
      ['pkcs12', '-in', path, '-nokeys', '-passin', `file:${pass}`, '-legacy'],
      {
        encoding: 'utf8',
      },
    );
    expect(out.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  });
});
