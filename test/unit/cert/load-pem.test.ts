import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_INPUT_BYTES, loadBundle } from '../../../src/cert/index.js';
import { TestPki, type Issued } from '../../lab/pki.js';
import { expectCertrollError } from './helpers.js';

let pki: TestPki;
let set: { root: Issued; intermediate: Issued; leaf: Issued };

beforeAll(() => {
  pki = TestPki.create();
  set = pki.chain(['www.example.com']);
});
afterAll(() => pki.cleanup());

describe('loading PEM', () => {
  it('reads certificate, key and chain from one file', () => {
    const path = pki.write(
      'all.pem',
      set.leaf.certPem + set.leaf.keyPem + set.intermediate.certPem + set.root.certPem,
    );
    const bundle = loadBundle({ path });
    expect(bundle.source.format).toBe('pem');
    expect(bundle.leaf.fingerprint256).toBe(set.leaf.x509.fingerprint256);
    expect(bundle.chain).toHaveLength(2);
    expect(bundle.notes).toEqual([]);
  });

  it('reads certificate, key and chain from separate files', () => {
    const chain = pki.write('chain.pem', set.intermediate.certPem);
    const bundle = loadBundle({
      path: set.leaf.certPath,
      keyPath: set.leaf.keyPath,
      chainPaths: [chain],
    });
    expect(bundle.chain.map((c) => c.fingerprint256)).toEqual([
      set.intermediate.x509.fingerprint256,
    ]);
    expect(bundle.source.files).toEqual([set.leaf.certPath, set.leaf.keyPath, chain]);
  });

  it('reads a DER certificate given as the bundle, with the key beside it', () => {
    const der = pki.write('leaf.der', set.leaf.x509.raw);
    const bundle = loadBundle({ path: der, keyPath: set.leaf.keyPath });
    expect(bundle.leaf.fingerprint256).toBe(set.leaf.x509.fingerprint256);
  });

  it('decrypts a PKCS#8 encrypted key with the passphrase', () => {
    const key = pki.encryptedKey(set.leaf, 'key-pass');
    expect(readFileSync(key, 'utf8')).toContain('ENCRYPTED PRIVATE KEY');
    const bundle = loadBundle({ path: set.leaf.certPath, keyPath: key, password: 'key-pass' });
    expect(bundle.leaf.checkPrivateKey(bundle.key)).toBe(true);
  });

  it('decrypts a legacy Proc-Type encrypted key with the passphrase', () => {
    const key = pki.encryptedKey(set.leaf, 'key-pass', { traditional: true });
    expect(readFileSync(key, 'utf8')).toContain('Proc-Type: 4,ENCRYPTED');
    const bundle = loadBundle({ path: set.leaf.certPath, keyPath: key, password: 'key-pass' });
    expect(bundle.leaf.checkPrivateKey(bundle.key)).toBe(true);
  });

  it('refuses a wrong key passphrase with CERT_PASSWORD', () => {
    const key = pki.encryptedKey(set.leaf, 'key-pass');
    expectCertrollError(
      () => loadBundle({ path: set.leaf.certPath, keyPath: key, password: 'nope' }),
      'CERT_PASSWORD',
    );
    const trad = pki.encryptedKey(set.leaf, 'key-pass', { traditional: true });
    expectCertrollError(
      () => loadBundle({ path: set.leaf.certPath, keyPath: trad, password: 'nope' }),
      'CERT_PASSWORD',
    );
  });

  it('asks for a passphrase when the key is encrypted and none was given', () => {
    const key = pki.encryptedKey(set.leaf, 'key-pass');
    const error = expectCertrollError(
      () => loadBundle({ path: set.leaf.certPath, keyPath: key }),
      'CERT_PASSWORD',
    );
    expect(error.hint).toMatch(/--password-file.*--password-env/);
  });

  it('reports a bundle without a key as CERT_BUNDLE', () => {
    const error = expectCertrollError(() => loadBundle({ path: set.leaf.certPath }), 'CERT_BUNDLE');
    expect(error.message).toContain('no private key');
  });

  it('reports two different keys as CERT_BUNDLE, naming where each came from', () => {
    const other = pki.issue(
      { cn: 'other.example.com', sans: ['other.example.com'] },
      set.intermediate,
    );
    const path = pki.write('two-keys.pem', set.leaf.certPem + set.leaf.keyPem + other.keyPem);
    const error = expectCertrollError(() => loadBundle({ path }), 'CERT_BUNDLE');
    expect(error.message).toMatch(/2 different private keys.*block 2.*block 3/);
  });

  it('accepts the same key given twice', () => {
    const path = pki.write('same-key.pem', set.leaf.certPem + set.leaf.keyPem);
    expect(loadBundle({ path, keyPath: set.leaf.keyPath }).leaf.fingerprint256).toBe(
      set.leaf.x509.fingerprint256,
    );
  });

  it('reports two leaves for the same key as CERT_BUNDLE', () => {
    const renewed = pki.issue(
      { cn: 'www.example.com', sans: ['www.example.com'], keyPath: set.leaf.keyPath },
      set.intermediate,
    );
    const path = pki.write('two-leaves.pem', set.leaf.certPem + renewed.certPem + set.leaf.keyPem);
    const error = expectCertrollError(() => loadBundle({ path }), 'CERT_BUNDLE');
    expect(error.message).toContain('2 certificates match the private key');
  });

  it('reports CERT_BUNDLE when no certificate matches the key and the leaf is ambiguous', () => {
    const a = pki.issue({ cn: 'a.example.com' }, set.intermediate);
    const b = pki.issue({ cn: 'b.example.com' }, set.intermediate);
    const path = pki.write('ambiguous.pem', a.certPem + b.certPem + set.leaf.keyPem);
    expect(expectCertrollError(() => loadBundle({ path }), 'CERT_BUNDLE').message).toContain(
      'could be the leaf',
    );
  });

  it('reorders an out-of-order chain leaf first and notes it', () => {
    const path = pki.write(
      'disorder.pem',
      set.root.certPem + set.intermediate.certPem + set.leaf.certPem + set.leaf.keyPem,
    );
    const bundle = loadBundle({ path });
    expect(bundle.leaf.fingerprint256).toBe(set.leaf.x509.fingerprint256);
    expect(bundle.chain.map((c) => c.fingerprint256)).toEqual([
      set.intermediate.x509.fingerprint256,
      set.root.x509.fingerprint256,
    ]);
    expect(bundle.notes.map((n) => n.kind)).toEqual(['reordered']);
  });

  it('leaves out an unrelated certificate and notes it', () => {
    const stranger = pki.root({ cn: 'unrelated root' });
    const path = pki.write(
      'extra.pem',
      set.leaf.certPem + set.leaf.keyPem + set.intermediate.certPem + stranger.certPem,
    );
    const bundle = loadBundle({ path });
    expect(bundle.chain).toHaveLength(1);
    expect(bundle.extras.map((c) => c.fingerprint256)).toEqual([stranger.x509.fingerprint256]);
    expect(
      bundle.notes.some((n) => n.kind === 'unrelated' && n.message.includes('unrelated root')),
    ).toBe(true);
  });

  it('names the block, its type and its line when a PEM block is damaged', () => {
    const broken = set.leaf.certPem.replace(/\n[A-Za-z0-9+/]{10}/, '\n!!!!!!!!!!');
    const path = pki.write('damaged.pem', set.leaf.keyPem + broken);
    const keyLines = set.leaf.keyPem.split('\n').length - 1;
    const error = expectCertrollError(() => loadBundle({ path }), 'CERT_PARSE');
    expect(error.message).toContain(`PEM block 2 (CERTIFICATE) starting at line ${keyLines + 1}`);
    expect(error.location?.file).toBe(path);
  });

  it('reports a PEM block without an END line as truncated', () => {
    const path = pki.write('truncated.pem', set.leaf.certPem.slice(0, 200));
    expect(expectCertrollError(() => loadBundle({ path }), 'CERT_PARSE').message).toMatch(
      /block 1 \(CERTIFICATE\).*no END line/,
    );
  });

  it('reports a certificate block whose DER is not a certificate', () => {
    const path = pki.write(
      'not-cert.pem',
      `-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n${set.leaf.keyPem}`,
    );
    expect(expectCertrollError(() => loadBundle({ path }), 'CERT_PARSE').message).toContain(
      'not a valid X.509 certificate',
    );
  });

  it('refuses a bundle with more certificates than any chain needs', () => {
    const many = Array.from(
      { length: 33 },
      (_, i) => pki.root({ cn: `root ${i}`, key: { type: 'ec', curve: 'prime256v1' } }).certPem,
    ).join('');
    const path = pki.write('many.pem', set.leaf.certPem + set.leaf.keyPem + many);
    expect(expectCertrollError(() => loadBundle({ path }), 'CERT_BUNDLE').message).toContain(
      'at most 32',
    );
  });

  it('refuses a file over the size cap before parsing it', () => {
    const path = pki.write('huge.pem', Buffer.alloc(MAX_INPUT_BYTES + 1, 0x41));
    expectCertrollError(() => loadBundle({ path }), 'INPUT_TOO_LARGE');
  });

  it('names the path of a missing file', () => {
    const error = expectCertrollError(
      () => loadBundle({ path: '/nonexistent/cert.pem' }),
      'INPUT_NOT_FOUND',
    );
    expect(error.message).toContain('/nonexistent/cert.pem');
    expectCertrollError(
      () => loadBundle({ path: set.leaf.certPath, keyPath: '/nonexistent/key.pem' }),
      'INPUT_NOT_FOUND',
    );
  });

  it('refuses a file that is neither PEM nor DER', () => {
    const path = pki.write('text.txt', 'hello, this is not a certificate\n');
    expectCertrollError(() => loadBundle({ path }), 'CERT_PARSE');
  });

  it('refuses a certificate signing request with a hint', () => {
    const csr = `-----BEGIN CERTIFICATE REQUEST-----\nMAMCAQE=\n-----END CERTIFICATE REQUEST-----\n`;
    const path = pki.write('req.pem', csr);
    writeFileSync(path, csr);
    expectCertrollError(() => loadBundle({ path }), 'CERT_BUNDLE');
  });
});
