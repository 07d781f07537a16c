import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../../../src/cert/index.js';
import { CertrollError } from '../../../src/errors.js';
import { TestPki, type Issued } from '../../lab/pki.js';

let pki: TestPki;
let rsa: { root: Issued; intermediate: Issued; leaf: Issued };
let ec: { root: Issued; intermediate: Issued; leaf: Issued };

beforeAll(() => {
  pki = TestPki.create();
  rsa = pki.chain(['www.example.com']);
  ec = pki.chain(['ec.example.com'], { key: { type: 'ec', curve: 'prime256v1' } });
});
afterAll(() => pki.cleanup());

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof CertrollError) return error.code;
    throw error;
  }
  throw new Error('expected a CertrollError');
}

describe('loading a PFX', () => {
  for (const encoding of ['legacy', '3des', 'aes'] as const) {
    for (const kind of ['rsa', 'ec'] as const) {
      it(`reads a ${encoding} PFX with an ${kind.toUpperCase()} key, its leaf and its chain`, () => {
        const set = kind === 'rsa' ? rsa : ec;
        const path = pki.pfx(set.leaf, {
          password: 'pfx-secret',
          encoding,
          chain: [set.intermediate, set.root],
        });
        const bundle = loadBundle({ path, password: 'pfx-secret' });
        expect(bundle.source.format).toBe('pfx');
        expect(bundle.leaf.raw.equals(set.leaf.x509.raw)).toBe(true);
        expect(bundle.leaf.checkPrivateKey(bundle.key)).toBe(true);
        expect(bundle.key.asymmetricKeyType).toBe(kind);
        expect(bundle.chain.map((c) => c.fingerprint256)).toEqual([
          set.intermediate.x509.fingerprint256,
          set.root.x509.fingerprint256,
        ]);
        expect(bundle.extras).toEqual([]);
      });
    }
  }

  it('keeps the exact certificate bytes of an RSA leaf signed by an EC issuer', () => {
    const ecRoot = pki.root({ cn: 'ec root', key: { type: 'ec', curve: 'secp384r1' } });
    const leaf = pki.issue({ cn: 'mixed.example.com', sans: ['mixed.example.com'] }, ecRoot);
    const path = pki.pfx(leaf, { password: 'p', encoding: '3des', chain: [ecRoot] });
    const bundle = loadBundle({ path, password: 'p' });
    expect(bundle.leaf.raw.equals(leaf.x509.raw)).toBe(true);
    expect(bundle.leaf.verify(ecRoot.x509.publicKey)).toBe(true);
  });

  for (const encoding of ['legacy', 'aes'] as const) {
    it(`opens a ${encoding} PFX whose password has non-ASCII characters`, () => {
      const password = 'Pässwörd-€-日本';
      const path = pki.pfx(rsa.leaf, { password, encoding });
      expect(loadBundle({ path, password }).leaf.fingerprint256).toBe(rsa.leaf.x509.fingerprint256);
    });
  }

  it('refuses a wrong password with CERT_PASSWORD', () => {
    const path = pki.pfx(rsa.leaf, { password: 'right', encoding: 'aes' });
    expect(codeOf(() => loadBundle({ path, password: 'wrong' }))).toBe('CERT_PASSWORD');
  });

  it('asks for a password, naming both options, when an encrypted PFX is given none', () => {
    const path = pki.pfx(rsa.leaf, { password: 'right', encoding: '3des' });
    try {
      loadBundle({ path });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CertrollError);
      const e = error as CertrollError;
      expect(e.code).toBe('CERT_PASSWORD');
      expect(e.hint).toContain('--password-file');
      expect(e.hint).toContain('--password-env');
    }
  });

  it('reports a PFX without a private key as CERT_BUNDLE', () => {
    const path = pki.pfx(rsa.leaf, { password: 'p', encoding: 'aes', noKey: true });
    expect(() => loadBundle({ path, password: 'p' })).toThrow(/no private key/);
    expect(codeOf(() => loadBundle({ path, password: 'p' }))).toBe('CERT_BUNDLE');
  });

  it('takes the key from --key when the PFX holds only certificates', () => {
    const path = pki.pfx(rsa.leaf, { password: 'p', encoding: 'aes', noKey: true });
    const bundle = loadBundle({ path, password: 'p', keyPath: rsa.leaf.keyPath });
    expect(bundle.leaf.checkPrivateKey(bundle.key)).toBe(true);
  });
});
