import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import type forge from 'node-forge';
import { CertrollError } from '../errors.js';
import { DerError, scanDer } from './der.js';
import { forgeLib } from './forge.js';
import { passwordHint } from './password.js';
import { type Parsed, type SourcedCert, type SourcedKey } from './types.js';

// node-forge does the PKCS#12 work (MAC check, PBE decryption of every encoding OpenSSL writes:
// RC2-40, 3DES and PBES2/AES); everything after extraction is node:crypto. forge cannot parse EC
// keys or certificates, but it then hands back the decrypted ASN.1, which node:crypto reads.

// PKCS#12 bag types (RFC 7292 section 4.2), as forge names them in pki.oids.
const CERT_BAG = '1.2.840.113549.1.12.10.1.3';
const KEY_BAGS = new Set([
  '1.2.840.113549.1.12.10.1.2', // pkcs8ShroudedKeyBag
  '1.2.840.113549.1.12.10.1.1', // keyBag
]);

type FromDerWithOptions = (bytes: forge.util.ByteStringBuffer, options: object) => forge.asn1.Asn1;

interface ForgeBag {
  type: string;
  cert?: forge.pki.Certificate | null;
  key?: forge.pki.PrivateKey | null;
  asn1?: forge.asn1.Asn1;
}

export function loadPfx(der: Buffer, file: string, password: string | undefined): Parsed {
  try {
    scanDer(der);
  } catch (error) {
    if (!(error instanceof DerError)) throw error;
    throw parseError(file, `the PKCS#12 structure is invalid (${error.message})`, error);
  }
  const asn1 = guard(file, () =>
    // The typings predate fromDer's options object.
    (forgeLib().asn1.fromDer as unknown as FromDerWithOptions)(
      forgeLib().util.createBuffer(der.toString('binary')),
      {
        strict: true,
        parseAllBytes: true,
        decodeBitStrings: false,
        maxDepth: 64,
      },
    ),
  );
  const p12 = decrypt(asn1, file, password);
  const certs: SourcedCert[] = [];
  const keys: SourcedKey[] = [];
  let n = 0;
  for (const safe of p12.safeContents) {
    for (const bag of safe.safeBags as ForgeBag[]) {
      const where = `${file} bag ${++n}`;
      if (bag.type === CERT_BAG) certs.push({ cert: toX509(bag, file, where), origin: where });
      else if (KEY_BAGS.has(bag.type)) keys.push({ key: toKey(bag, file, where), origin: where });
    }
  }
  return { certs, keys };
}

function decrypt(
  asn1: forge.asn1.Asn1,
  file: string,
  password: string | undefined,
): forge.pkcs12.Pkcs12Pfx {
  // Without a password, try the empty one: some tools export "unprotected" PFX files that way.
  const text = password ?? '';
  try {
    return forgeLib().pkcs12.pkcs12FromAsn1(asn1, true, text);
  } catch (first) {
    const hasMac = Array.isArray(asn1.value) && asn1.value.length > 2;
    // forge takes one password string for two derivations: the MAC and legacy PBE use its UTF-16
    // form (as OpenSSL does), PBES2/AES its raw bytes, where OpenSSL uses UTF-8. So a non-ASCII
    // password verifies the MAC but cannot open AES bags. The MAC was verified on this first
    // pass, so decrypt again without it, with the UTF-8 bytes.
    if (
      hasMac &&
      Buffer.byteLength(text, 'utf8') !== text.length &&
      /decrypt/i.test(messageOf(first))
    ) {
      const values = asn1.value as forge.asn1.Asn1[];
      const withoutMac = forgeLib().asn1.create(asn1.tagClass, asn1.type, true, values.slice(0, 2));
      try {
        return forgeLib().pkcs12.pkcs12FromAsn1(
          withoutMac,
          true,
          Buffer.from(text, 'utf8').toString('binary'),
        );
      } catch (second) {
        throw decryptError(second, file, password, hasMac);
      }
    }
    throw decryptError(first, file, password, hasMac);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function decryptError(
  error: unknown,
  file: string,
  password: string | undefined,
  hasMac: boolean,
): CertrollError {
  const message = messageOf(error);
  // Without a MAC, a wrong password only shows as a block that does not decrypt.
  const wrongPassword =
    /MAC could not be verified|wrong password|Invalid password/i.test(message) ||
    (!hasMac && /decrypt/i.test(message));
  if (wrongPassword) {
    return new CertrollError(
      'CERT_PASSWORD',
      password === undefined
        ? 'the PFX is password-protected and no password was given'
        : 'the password does not open the PFX',
      {
        file,
        cause: new Error(message),
        hint:
          password === undefined
            ? passwordHint
            : 'Check the password file or variable (a trailing newline in a file is removed).',
      },
    );
  }
  if (/unsupported|not supported|only .* supported|unknown/i.test(message)) {
    return new CertrollError(
      'CERT_UNSUPPORTED',
      `the PFX uses a PKCS#12 encoding certroll cannot read: ${message}`,
      {
        file,
        cause: error,
        hint: 'Re-export it: openssl pkcs12 -in OLD.pfx -nodes | openssl pkcs12 -export -keypbe AES-256-CBC -certpbe AES-256-CBC -macalg sha256 -out NEW.pfx',
      },
    );
  }
  return parseError(file, `not a readable PKCS#12 file (${message})`, error);
}

function toX509(bag: ForgeBag, file: string, where: string): X509Certificate {
  return guard(file, () => {
    const node = bag.cert ? originalCertificate(bag.cert) : bag.asn1;
    if (node === undefined) throw new Error(`${where} holds no certificate`);
    return new X509Certificate(Buffer.from(forgeLib().asn1.toDer(node).getBytes(), 'binary'));
  });
}

// forge keeps the parsed TBSCertificate but rebuilds the outer signatureAlgorithm from its own
// table, which can change bytes (and so the fingerprint). RFC 5280 requires the outer field to
// equal the TBSCertificate's own signature field, so the original is rebuilt from that.
function originalCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1 {
  const { asn1 } = forgeLib();
  const tbs = cert.tbsCertificate as forge.asn1.Asn1 | undefined;
  const fields = tbs !== undefined && Array.isArray(tbs.value) ? tbs.value : [];
  const algorithm = fields.find(
    (f) => f.tagClass === asn1.Class.UNIVERSAL && f.type === asn1.Type.SEQUENCE,
  );
  if (tbs === undefined || algorithm === undefined) return forgeLib().pki.certificateToAsn1(cert);
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs,
    algorithm,
    asn1.create(
      asn1.Class.UNIVERSAL,
      asn1.Type.BITSTRING,
      false,
      `\u0000${String(cert.signature)}`,
    ),
  ]);
}

function toKey(bag: ForgeBag, file: string, where: string): KeyObject {
  return guard(file, () => {
    // An RSA key comes back parsed; anything else (EC) as its decrypted PrivateKeyInfo.
    const info = bag.key
      ? forgeLib().pki.wrapRsaPrivateKey(forgeLib().pki.privateKeyToAsn1(bag.key))
      : bag.asn1;
    if (info === undefined) throw new Error(`${where} holds no key`);
    const der = Buffer.from(forgeLib().asn1.toDer(info).getBytes(), 'binary');
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  });
}

function guard<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof CertrollError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw parseError(file, `not a readable PKCS#12 file (${message})`, error);
  }
}

function parseError(file: string, message: string, cause: unknown): CertrollError {
  return new CertrollError('CERT_PARSE', message, {
    file,
    cause,
    hint: 'The file is damaged or not a PFX/PKCS#12 bundle: export it again.',
  });
}
