import { createHmac, randomBytes } from 'node:crypto';
import type forge from 'node-forge';
import { CertrollError } from '../errors.js';
import { forgeLib } from './forge.js';
import { type Bundle } from './types.js';

export type PfxEncoding = 'aes' | '3des';

export interface RepackOptions {
  readonly password: string;
  /** aes: PBES2 AES-256-CBC, HMAC-SHA256 PBKDF2 and MAC (Windows Server 2019+, OpenSSL 3).
   *  3des: PBE-SHA1-3DES with a SHA-1 MAC, for Windows builds that cannot import AES PFX. */
  readonly encoding: PfxEncoding;
  readonly friendlyName?: string;
  readonly iterations?: number;
}

// forge's ASN.1 helpers, looked up on each use: importing this module does not load forge.
const asn1 = new Proxy({} as typeof forge.asn1, {
  get: (_, key) => Reflect.get(forgeLib().asn1, key) as unknown,
});
const seq = (items: forge.asn1.Asn1[]) =>
  asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, items);
const oid = (id: string) =>
  asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(id).getBytes());
const octets = (bytes: string) =>
  asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, bytes);
const explicit0 = (item: forge.asn1.Asn1) =>
  asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [item]);
const bin = (buf: Buffer) => buf.toString('binary');
const der = (node: forge.asn1.Asn1) => asn1.toDer(node).getBytes();

const OID = {
  data: '1.2.840.113549.1.7.1',
  certBag: '1.2.840.113549.1.12.10.1.3',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  localKeyId: '1.2.840.113549.1.9.21',
  friendlyName: '1.2.840.113549.1.9.20',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
};

/**
 * A PKCS#12 of the bundle (leaf, key, chain) for a target host. Built from forge's primitives
 * rather than forge.pkcs12.toPkcs12Asn1, which only takes RSA keys and re-encodes certificates:
 * here the key goes in as its PKCS#8 DER (any key type) and certificates as their exact bytes.
 */
export function repackPfx(bundle: Bundle, options: RepackOptions): Buffer {
  if (options.password === '') {
    throw new CertrollError('USAGE', 'a PFX for a target host needs a non-empty password', {
      hint: 'Windows imports an unprotected PFX, but certroll never writes a private key unprotected.',
    });
  }
  const count = options.iterations ?? 2048;
  const localKeyId = forgeLib().md.sha1.create().update(bin(bundle.leaf.raw)).digest().getBytes();
  const attrs = [attribute(OID.localKeyId, octets(localKeyId))];
  if (options.friendlyName !== undefined) {
    const bmp = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BMPSTRING, false, options.friendlyName);
    attrs.push(attribute(OID.friendlyName, bmp));
  }
  const bagAttrs = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, attrs);

  const certBags = [bundle.leaf, ...bundle.chain].map((cert, i) =>
    seq([
      oid(OID.certBag),
      explicit0(seq([oid(OID.x509Certificate), explicit0(octets(bin(cert.raw)))])),
      ...(i === 0 ? [bagAttrs] : []),
    ]),
  );
  const pkcs8 = asn1.fromDer(bin(bundle.key.export({ format: 'der', type: 'pkcs8' })));
  // PBES2 derives from the password's UTF-8 bytes (forge wants them as a binary string); the
  // PKCS#12 KDF of 3DES and of the MAC from its UTF-16 form, which forge makes from the string.
  const keyPassword =
    options.encoding === 'aes'
      ? Buffer.from(options.password, 'utf8').toString('binary')
      : options.password;
  const encryptedKey = forgeLib().pki.encryptPrivateKeyInfo(pkcs8, keyPassword, {
    algorithm: options.encoding === 'aes' ? 'aes256' : '3des',
    count,
    saltSize: 16,
    prfAlgorithm: 'sha256',
  });
  const keyBag = seq([oid(OID.shroudedKeyBag), explicit0(encryptedKey), bagAttrs]);

  const dataInfo = (contents: forge.asn1.Asn1) =>
    seq([oid(OID.data), explicit0(octets(der(contents)))]);
  const authSafe = seq([dataInfo(seq(certBags)), dataInfo(seq([keyBag]))]);
  const authSafeBytes = der(authSafe);

  const macSalt = bin(randomBytes(16));
  const sha = options.encoding === 'aes' ? 'sha256' : 'sha1';
  const md = sha === 'sha256' ? forgeLib().md.sha256.create() : forgeLib().md.sha1.create();
  // PKCS#12 key derivation (RFC 7292 appendix B), ID 3 = MAC key.
  const macKey = forgeLib().pkcs12.generateKey(
    options.password,
    forgeLib().util.createBuffer(macSalt),
    3,
    count,
    md.digestLength,
    md,
  );
  const mac = createHmac(sha, Buffer.from(macKey.getBytes(), 'binary'))
    .update(Buffer.from(authSafeBytes, 'binary'))
    .digest();

  const pfx = seq([
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, String.fromCharCode(3)),
    seq([oid(OID.data), explicit0(octets(authSafeBytes))]),
    seq([
      seq([
        seq([oid(OID[sha]), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '')]),
        octets(bin(mac)),
      ]),
      octets(macSalt),
      asn1.create(
        asn1.Class.UNIVERSAL,
        asn1.Type.INTEGER,
        false,
        asn1.integerToDer(count).getBytes(),
      ),
    ]),
  ]);
  return Buffer.from(der(pfx), 'binary');
}

function attribute(type: string, value: forge.asn1.Asn1): forge.asn1.Asn1 {
  return seq([oid(type), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, [value])]);
}
