import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle, repackPfx } from '../../../src/cert/index.js';
import { TestPki, type Issued } from '../../lab/pki.js';
import { expectCertrollError } from './helpers.js';

let pki: TestPki;
beforeAll(() => {
  pki = TestPki.create();
});
afterAll(() => pki.cleanup());

/** `openssl pkcs12 -info` on the real CLI: the encodings it reports, and the PEM it extracts. */
function opensslInfo(pfxPath: string, password: string): { info: string; pem: string } {
  const pass = pki.write(`${pfxPath.split('/').pop() ?? 'x'}.openssl-pass`, password);
  const run = (extra: string[]) =>
    execFileSync(
      'openssl',
      ['pkcs12', '-in', pfxPath, '-passin', `file:${pass}`, '-nodes', ...extra],
      {
        encoding: 'utf8',
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
  // -info reports the encodings on stderr, so merge it into what we read.
  const info = execFileSync(
    'sh',
    [
      '-c',
      'openssl pkcs12 -in "$1" -passin "file:$2" -info -noout -nodes 2>&1',
      'sh',
      pfxPath,
      pass,
    ],
    { encoding: 'utf8' },
  );
  return { info, pem: run([]) };
}

describe('repacking a bundle as a PFX', () => {
  for (const kind of ['rsa', 'ec'] as const) {
    for (const encoding of ['aes', '3des'] as const) {
      it(`writes a ${encoding} PFX with an ${kind.toUpperCase()} key that openssl opens and that loads back identically`, () => {
        const set: { root: Issued; intermediate: Issued; leaf: Issued } = pki.chain(
          ['repack.example.com'],
          {
            key: kind === 'rsa' ? { type: 'rsa', bits: 2048 } : { type: 'ec', curve: 'prime256v1' },
          },
        );
        const source = loadBundle({
          path: pki.write(
            `src-${kind}-${encoding}.pem`,
            set.leaf.certPem + set.leaf.keyPem + set.intermediate.certPem,
          ),
        });
        const pfx = repackPfx(source, {
          password: 'target-secret',
          encoding,
          friendlyName: 'certroll',
        });
        const path = pki.write(`out-${kind}-${encoding}.pfx`, pfx);

        const { info, pem } = opensslInfo(path, 'target-secret');
        if (encoding === 'aes') {
          expect(info).toMatch(/PBES2, PBKDF2, AES-256-CBC/);
          expect(info).toMatch(/MAC: sha256/);
        } else {
          expect(info).toMatch(/pbeWithSHA1And3-KeyTripleDES-CBC/);
          expect(info).toMatch(/MAC: sha1/);
        }
        expect(pem).toContain(set.leaf.certPem.trim().split('\n')[1]);
        expect(pem).toContain('PRIVATE KEY');

        const back = loadBundle({ path, password: 'target-secret' });
        expect(back.leaf.raw.equals(source.leaf.raw)).toBe(true);
        expect(back.key.equals(source.key)).toBe(true);
        expect(back.chain.map((c) => c.fingerprint256)).toEqual([
          set.intermediate.x509.fingerprint256,
        ]);
      });
    }
  }

  for (const encoding of ['aes', '3des'] as const) {
    it(`writes a ${encoding} PFX with a non-ASCII password that openssl opens`, () => {
      const set = pki.chain(['unicode.example.com']);
      const bundle = loadBundle({ path: set.leaf.certPath, keyPath: set.leaf.keyPath });
      const password = 'Grüße-€-日本';
      const path = pki.write(`unicode-${encoding}.pfx`, repackPfx(bundle, { password, encoding }));
      expect(opensslInfo(path, password).pem).toContain('PRIVATE KEY');
      expect(loadBundle({ path, password }).key.equals(bundle.key)).toBe(true);
    });
  }

  it('refuses to write a PFX with an empty password', () => {
    const set = pki.chain(['empty.example.com']);
    const bundle = loadBundle({ path: set.leaf.certPath, keyPath: set.leaf.keyPath });
    expectCertrollError(() => repackPfx(bundle, { password: '', encoding: 'aes' }), 'USAGE');
  });
});
