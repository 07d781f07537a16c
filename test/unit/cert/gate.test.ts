import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Bundle,
  type Check,
  type CheckId,
  checkBundle,
  gatePassed,
  loadBundle,
} from '../../../src/cert/index.js';
import { TestPki, type CertSpec, type Issued } from '../../lab/pki.js';

const DAY = 86_400_000;
let pki: TestPki;
let root: Issued;
let intermediate: Issued;

beforeAll(() => {
  pki = TestPki.create();
  const set = pki.chain(['good.example.com']);
  root = set.root;
  intermediate = set.intermediate;
});
afterAll(() => pki.cleanup());

let n = 0;
function bundleOf(
  leaf: Issued,
  chain: readonly Issued[] = [intermediate],
  keyPem = leaf.keyPem,
): Bundle {
  const path = pki.write(
    `gate-${++n}.pem`,
    leaf.certPem + keyPem + chain.map((c) => c.certPem).join(''),
  );
  return loadBundle({ path });
}

function leafWith(spec: Partial<CertSpec> = {}, issuer: Issued = intermediate): Issued {
  return pki.issue({ cn: 'www.example.com', sans: ['www.example.com'], ...spec }, issuer);
}

function check(checks: readonly Check[], id: CheckId): Check {
  const found = checks.find((c) => c.id === id);
  if (found === undefined) throw new Error(`no check ${id}`);
  return found;
}

const trust = () => ({ trustAnchors: [root.x509], trustSource: 'root.pem' });

describe('the certificate gate', () => {
  it('passes a good bundle with every check ok', () => {
    const checks = checkBundle(bundleOf(leafWith()), trust());
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(gatePassed(checks)).toBe(true);
    expect(checks.map((c) => c.id)).toEqual([
      'expired',
      'not-yet-valid',
      'expires-soon',
      'key-mismatch',
      'chain-trust',
      'chain-order',
      'leaf-is-ca',
      'server-auth',
      'key-strength',
      'weak-signature',
    ]);
  });

  it('fails an expired certificate', () => {
    const leaf = leafWith({
      notBefore: new Date(Date.now() - 60 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    const checks = checkBundle(bundleOf(leaf), trust());
    expect(check(checks, 'expired')).toMatchObject({ ok: false, severity: 'error' });
    expect(check(checks, 'expired').message).toContain('expired on');
    expect(gatePassed(checks)).toBe(false);
  });

  it('fails a certificate that is not valid yet', () => {
    const leaf = leafWith({
      notBefore: new Date(Date.now() + 2 * DAY),
      notAfter: new Date(Date.now() + 200 * DAY),
    });
    const checks = checkBundle(bundleOf(leaf), trust());
    expect(check(checks, 'not-yet-valid').ok).toBe(false);
    expect(check(checks, 'expired').ok).toBe(true);
  });

  it('fails a certificate that expires within the minimum days, and honours --min-days', () => {
    const leaf = bundleOf(leafWith({ days: 10 }));
    expect(check(checkBundle(leaf, trust()), 'expires-soon')).toMatchObject({ ok: false });
    expect(check(checkBundle(leaf, trust()), 'expires-soon').message).toMatch(
      /expires in 9 days, fewer than the required 30/,
    );
    expect(check(checkBundle(leaf, { ...trust(), minDays: 5 }), 'expires-soon').ok).toBe(true);
  });

  it('fails when the key does not belong to the certificate', () => {
    const leaf = leafWith();
    const stranger = leafWith();
    const checks = checkBundle(bundleOf(leaf, [intermediate], stranger.keyPem), trust());
    expect(check(checks, 'key-mismatch')).toMatchObject({ ok: false, severity: 'error' });
  });

  it('fails when the key is of another type than the certificate', () => {
    const ecLeaf = leafWith({ key: { type: 'ec', curve: 'prime256v1' } });
    const rsaLeaf = leafWith();
    const checks = checkBundle(bundleOf(ecLeaf, [intermediate], rsaLeaf.keyPem), trust());
    expect(check(checks, 'key-mismatch').ok).toBe(false);
  });

  it('fails a chain that does not build to the trust anchors', () => {
    const other = pki.root({ cn: 'some other root' });
    const checks = checkBundle(bundleOf(leafWith()), {
      trustAnchors: [other.x509],
      trustSource: 'other.pem',
    });
    const c = check(checks, 'chain-trust');
    expect(c.ok).toBe(false);
    expect(c.message).toContain('certroll test intermediate');
    expect(c.message).toContain('other.pem');
  });

  it('fails a leaf given without its intermediate and says so', () => {
    const c = check(checkBundle(bundleOf(leafWith(), []), trust()), 'chain-trust');
    expect(c.ok).toBe(false);
    expect(c.message).toContain('no intermediate certificates');
  });

  it('trusts a chain that includes the anchor itself', () => {
    expect(
      check(checkBundle(bundleOf(leafWith(), [intermediate, root]), trust()), 'chain-trust').ok,
    ).toBe(true);
  });

  it('warns, without failing the gate, about an out-of-order chain', () => {
    const leaf = leafWith();
    const path = pki.write(`order-${++n}.pem`, intermediate.certPem + leaf.certPem + leaf.keyPem);
    const checks = checkBundle(loadBundle({ path }), trust());
    expect(check(checks, 'chain-order')).toMatchObject({ ok: false, severity: 'warning' });
    expect(check(checks, 'chain-trust').ok).toBe(true);
    expect(gatePassed(checks)).toBe(true);
  });

  it('warns about an unrelated extra certificate', () => {
    const stranger = pki.root({ cn: 'stranger' });
    const c = check(
      checkBundle(bundleOf(leafWith(), [intermediate, stranger]), trust()),
      'chain-order',
    );
    expect(c).toMatchObject({ ok: false, severity: 'warning' });
    expect(c.message).toContain('stranger');
  });

  it('fails a leaf that is a CA certificate', () => {
    const leaf = leafWith({ isCa: true, eku: ['serverAuth'] });
    expect(check(checkBundle(bundleOf(leaf), trust()), 'leaf-is-ca').ok).toBe(false);
  });

  it('fails a leaf whose extended key usage lacks serverAuth', () => {
    const c = check(
      checkBundle(bundleOf(leafWith({ eku: ['clientAuth'] })), trust()),
      'server-auth',
    );
    expect(c.ok).toBe(false);
    expect(c.message).toContain('serverAuth');
  });

  it('accepts a leaf without any extended key usage', () => {
    expect(check(checkBundle(bundleOf(leafWith({ eku: null })), trust()), 'server-auth').ok).toBe(
      true,
    );
  });

  it('fails an RSA key under 2048 bits', () => {
    const c = check(
      checkBundle(bundleOf(leafWith({ key: { type: 'rsa', bits: 1024 } })), trust()),
      'key-strength',
    );
    expect(c.ok).toBe(false);
    expect(c.message).toContain('RSA 1024');
  });

  it('fails an EC key on a curve weaker than P-256', () => {
    const c = check(
      checkBundle(bundleOf(leafWith({ key: { type: 'ec', curve: 'secp224r1' } })), trust()),
      'key-strength',
    );
    expect(c.ok).toBe(false);
    expect(c.message).toContain('P-224');
  });

  it('accepts P-256 and P-384 keys', () => {
    for (const curve of ['prime256v1', 'secp384r1'] as const) {
      expect(
        check(
          checkBundle(bundleOf(leafWith({ key: { type: 'ec', curve } })), trust()),
          'key-strength',
        ).ok,
      ).toBe(true);
    }
  });

  it('fails a leaf signed with SHA-1', () => {
    const c = check(checkBundle(bundleOf(leafWith({ digest: 'sha1' })), trust()), 'weak-signature');
    expect(c.ok).toBe(false);
    expect(c.message).toContain('sha1WithRSAEncryption');
  });

  it('fails an intermediate signed with SHA-1', () => {
    const weakInter = pki.issue({ cn: 'sha1 intermediate', isCa: true, digest: 'sha1' }, root);
    const c = check(
      checkBundle(bundleOf(leafWith({}, weakInter), [weakInter]), trust()),
      'weak-signature',
    );
    expect(c.ok).toBe(false);
    expect(c.message).toContain('sha1 intermediate');
  });

  it('fails a leaf signed with MD5', () => {
    const c = check(checkBundle(bundleOf(leafWith({ digest: 'md5' })), trust()), 'weak-signature');
    expect(c.ok).toBe(false);
    expect(c.message).toContain('md5WithRSAEncryption');
  });

  it('ignores the signature of a self-signed root in the chain', () => {
    const oldRoot = pki.root({ cn: 'sha1 root', digest: 'sha1' });
    const inter = pki.issue({ cn: 'modern intermediate', isCa: true }, oldRoot);
    const checks = checkBundle(bundleOf(leafWith({}, inter), [inter, oldRoot]), {
      trustAnchors: [oldRoot.x509],
    });
    expect(check(checks, 'weak-signature').ok).toBe(true);
    expect(check(checks, 'chain-trust').ok).toBe(true);
  });

  it('fails an expired intermediate in chain-trust', () => {
    const oldInter = pki.issue(
      {
        cn: 'expired intermediate',
        isCa: true,
        notBefore: new Date(Date.now() - 90 * DAY),
        notAfter: new Date(Date.now() - DAY),
      },
      root,
    );
    const c = check(
      checkBundle(bundleOf(leafWith({}, oldInter), [oldInter]), trust()),
      'chain-trust',
    );
    expect(c.ok).toBe(false);
    expect(c.message).toContain('expired intermediate');
  });

  it('skips chain-trust when no anchors are given', () => {
    expect(checkBundle(bundleOf(leafWith())).some((c) => c.id === 'chain-trust')).toBe(false);
  });
});
