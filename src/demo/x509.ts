// A minimal X.509 v3 certificate builder for the demo's CA and leaf certificates. Node can parse
// and verify certificates but not sign them, node-forge is reserved for PKCS#12, and the demo must
// need nothing but Node; so this writes the DER itself: ECDSA P-256 keys, SHA-256 signatures, and
// only the extensions a TLS server certificate needs.
import {
  createHash,
  generateKeyPairSync,
  randomBytes,
  sign,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';

const DAY_MS = 86_400_000;

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  // At most 4 length bytes: certificates are far below 4 GiB.
  for (let v = n, i = 0; v > 0 && i < 4; v = Math.floor(v / 256), i++) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
};
const seq = (...items: Buffer[]) => tlv(0x30, ...items);
const set = (...items: Buffer[]) => tlv(0x31, ...items);
const octets = (b: Buffer) => tlv(0x04, b);
const bits = (b: Buffer) => tlv(0x03, Buffer.from([0]), b);
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const explicit = (n: number, inner: Buffer) => tlv(0xa0 + n, inner);

function integer(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const trimmed = b.subarray(i);
  // A leading 1 bit would make the integer negative.
  return tlv(0x02, (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [40 * (parts[0] ?? 0) + (parts[1] ?? 0)];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128))
      chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14); // YYYYMMDDHHMMSS
  // RFC 5280: UTCTime through 2049, GeneralizedTime from 2050.
  return d.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`, 'ascii'))
    : tlv(0x18, Buffer.from(`${iso}Z`, 'ascii'));
}

const OID = {
  ecdsaSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyId: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyId: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
};

const name = (cn: string) =>
  seq(
    set(seq(oid(OID.organization), utf8('certroll demo'))),
    set(seq(oid(OID.commonName), utf8(cn))),
  );
const ext = (id: string, critical: boolean, value: Buffer) =>
  seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

function keyId(publicKey: KeyObject): Buffer {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  // The key id is the SHA-1 of the BIT STRING's key bytes (RFC 5280 4.2.1.2, method 1); a
  // P-256 SPKI ends with its 65-byte uncompressed point.
  return createHash('sha1')
    .update(spki.subarray(spki.length - 65))
    .digest();
}

export interface IssueOptions {
  readonly commonName: string;
  /** DNS names of a leaf (subjectAltName); none for a CA. */
  readonly dnsNames?: readonly string[];
  readonly isCa?: boolean;
  readonly notBefore?: Date;
  /** Days of validity from notBefore. */
  readonly days: number;
  /** The issuer; absent: self-signed. */
  readonly issuer?: Issued;
  /** The key: EC P-256 (default), or RSA 2048 (what Business Central's service tier needs). */
  readonly keyType?: 'ec' | 'rsa';
}

export interface Issued {
  readonly certPem: string;
  /** PKCS#8 PEM. */
  readonly keyPem: string;
  readonly cert: X509Certificate;
  readonly key: KeyObject;
  readonly commonName: string;
}

export function issueCertificate(o: IssueOptions): Issued {
  const { publicKey, privateKey } =
    o.keyType === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  // Signed by the issuer's key: ECDSA as long as the issuer is EC (a self-signed RSA key is not).
  if (o.keyType === 'rsa' && o.issuer === undefined)
    throw new Error('an RSA certificate needs an EC issuer in the demo');
  const notBefore = o.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + o.days * DAY_MS);
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const issuerKey = o.issuer?.key ?? privateKey;
  const issuerName = o.issuer?.commonName ?? o.commonName;
  const issuerKeyId = keyId(o.issuer?.cert.publicKey ?? publicKey);
  const extensions = [
    ext(OID.basicConstraints, true, seq(...(o.isCa === true ? [bool(true)] : []))),
    // CA: keyCertSign + cRLSign (bits 5, 6); leaf: digitalSignature (bit 0). The first content
    // byte counts the unused trailing bits, as DER wants.
    ext(
      OID.keyUsage,
      true,
      o.isCa === true ? tlv(0x03, Buffer.from([1, 0x06])) : tlv(0x03, Buffer.from([7, 0x80])),
    ),
    ext(OID.subjectKeyId, false, octets(keyId(publicKey))),
    ext(OID.authorityKeyId, false, seq(tlv(0x80, issuerKeyId))),
  ];
  if (o.isCa !== true) {
    extensions.push(ext(OID.extKeyUsage, false, seq(oid(OID.serverAuth))));
    const names = (o.dnsNames ?? []).map((n) => tlv(0x82, Buffer.from(n, 'ascii')));
    if (names.length > 0) extensions.push(ext(OID.subjectAltName, false, seq(...names)));
  }
  const algorithm = seq(oid(OID.ecdsaSha256));
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serial),
    algorithm,
    name(issuerName),
    seq(time(notBefore), time(notAfter)),
    name(o.commonName),
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, seq(...extensions)),
  );
  const signature = sign('sha256', tbs, issuerKey);
  const der = seq(tbs, algorithm, bits(signature));
  const body = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  const certPem = `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
  return {
    certPem,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    cert: new X509Certificate(certPem),
    key: privateKey,
    commonName: o.commonName,
  };
}
