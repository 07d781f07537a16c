// OpenSSH host certificates (PROTOCOL.certkeys in OpenSSH's source), parsed and checked the way
// ssh checks them for a `@cert-authority` known_hosts line: a host certificate, signed by one of
// the trusted CA keys (ed25519, ECDSA, RSA with SHA-2), valid now, naming the host. ssh2 cannot
// negotiate certificate host keys, so the certificate is fetched beforehand and, once checked,
// its plain public key is pinned for the real connection. Pure: no I/O.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';

export interface HostCertificate {
  /** e.g. `ssh-ed25519-cert-v01@openssh.com`. */
  readonly certType: string;
  /** The certified key as a plain host key blob (what ssh2's hostVerifier will be handed). */
  readonly key: Buffer;
  /** The plain key's type, e.g. `ssh-ed25519`. */
  readonly keyType: string;
  readonly serial: bigint;
  /** 1 user, 2 host. */
  readonly type: number;
  readonly keyId: string;
  readonly principals: readonly string[];
  readonly validAfter: bigint;
  readonly validBefore: bigint;
  readonly criticalOptions: Buffer;
  /** The CA's public key blob. */
  readonly signatureKey: Buffer;
  readonly signature: Buffer;
  /** The bytes the signature covers: everything before the signature field. */
  readonly signed: Buffer;
}

const CERT_SUFFIX = '-cert-v01@openssh.com';
// The fields of each plain key type after its name, as wire strings (mpints read as strings keep
// their exact bytes). sk-* and DSA keys are left out: ssh2 cannot use them either.
const KEY_FIELDS: Readonly<Record<string, number>> = {
  'ssh-ed25519': 1,
  'ecdsa-sha2-nistp256': 2,
  'ecdsa-sha2-nistp384': 2,
  'ecdsa-sha2-nistp521': 2,
  'ssh-rsa': 2,
};

class Reader {
  private at = 0;
  constructor(readonly buf: Buffer) {}
  get offset(): number {
    return this.at;
  }
  private need(n: number): void {
    if (this.at + n > this.buf.length) throw new Error('truncated');
  }
  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }
  uint64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.at);
    this.at += 8;
    return v;
  }
  string(): Buffer {
    const n = this.uint32();
    this.need(n);
    const v = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
  text(): string {
    return this.string().toString('utf8');
  }
  done(): boolean {
    return this.at === this.buf.length;
  }
}

const sshString = (b: Buffer | string): Buffer => {
  const data = typeof b === 'string' ? Buffer.from(b) : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
};

function strings(blob: Buffer): string[] {
  const r = new Reader(blob);
  const out: string[] = [];
  for (let i = 0; i < 256 && !r.done(); i++) out.push(r.text());
  return out;
}

/** Parses a certificate blob; throws an Error saying what is wrong with it. */
export function parseHostCertificate(blob: Buffer): HostCertificate {
  try {
    const r = new Reader(blob);
    const certType = r.text();
    const keyType = certType.endsWith(CERT_SUFFIX) ? certType.slice(0, -CERT_SUFFIX.length) : '';
    const fields = KEY_FIELDS[keyType];
    if (fields === undefined) throw new Error(`unsupported certificate type ${certType}`);
    r.string(); // nonce
    const keyParts = Array.from({ length: fields }, () => r.string());
    const key = Buffer.concat([sshString(keyType), ...keyParts.map(sshString)]);
    const serial = r.uint64();
    const type = r.uint32();
    const keyId = r.text();
    const principals = strings(r.string());
    const validAfter = r.uint64();
    const validBefore = r.uint64();
    const criticalOptions = r.string();
    r.string(); // extensions
    r.string(); // reserved
    const signatureKey = r.string();
    const signed = blob.subarray(0, r.offset);
    const signature = r.string();
    if (!r.done()) throw new Error('trailing bytes');
    return {
      certType,
      key,
      keyType,
      serial,
      type,
      keyId,
      principals,
      validAfter,
      validBefore,
      criticalOptions,
      signatureKey,
      signature,
      signed,
    };
  } catch (error) {
    throw new Error(`not an OpenSSH certificate (${(error as Error).message})`, { cause: error });
  }
}

const b64url = (b: Buffer): string => b.toString('base64url');
const unsigned = (b: Buffer): Buffer => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
};

const CURVES: Readonly<Record<string, { crv: string; size: number; hash: string }>> = {
  nistp256: { crv: 'P-256', size: 32, hash: 'sha256' },
  nistp384: { crv: 'P-384', size: 48, hash: 'sha384' },
  nistp521: { crv: 'P-521', size: 66, hash: 'sha512' },
};

function leftPad(b: Buffer, size: number): Buffer {
  const u = unsigned(b);
  if (u.length > size) throw new Error('ECDSA signature value too long');
  return Buffer.concat([Buffer.alloc(size - u.length), u]);
}

/** The CA key as node:crypto sees it, and how its signatures are checked. */
function caVerifier(caBlob: Buffer): (data: Buffer, sigType: string, sig: Buffer) => boolean {
  const r = new Reader(caBlob);
  const type = r.text();
  if (type === 'ssh-ed25519') {
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: b64url(r.string()) },
      format: 'jwk',
    });
    return (data, sigType, sig) => sigType === type && verify(null, data, key, sig);
  }
  if (type.startsWith('ecdsa-sha2-')) {
    const curve = CURVES[r.text()];
    const q = r.string();
    if (curve === undefined || q[0] !== 4 || q.length !== 1 + 2 * curve.size)
      throw new Error(`unsupported CA key ${type}`);
    const key: KeyObject = createPublicKey({
      key: {
        kty: 'EC',
        crv: curve.crv,
        x: b64url(q.subarray(1, 1 + curve.size)),
        y: b64url(q.subarray(1 + curve.size)),
      },
      format: 'jwk',
    });
    return (data, sigType, sig) => {
      if (sigType !== type) return false;
      const rs = new Reader(sig);
      const p1363 = Buffer.concat([
        leftPad(rs.string(), curve.size),
        leftPad(rs.string(), curve.size),
      ]);
      return verify(curve.hash, data, { key, dsaEncoding: 'ieee-p1363' }, p1363);
    };
  }
  if (type === 'ssh-rsa') {
    const e = r.string();
    const n = r.string();
    const key = createPublicKey({
      key: { kty: 'RSA', n: b64url(unsigned(n)), e: b64url(unsigned(e)) },
      format: 'jwk',
    });
    // ssh-rsa (SHA-1) signatures are refused, as OpenSSH's default CASignatureAlgorithms does.
    const hashes: Readonly<Record<string, string>> = {
      'rsa-sha2-256': 'sha256',
      'rsa-sha2-512': 'sha512',
    };
    return (data, sigType, sig) => {
      const hash = hashes[sigType];
      return hash !== undefined && verify(hash, data, key, sig);
    };
  }
  throw new Error(`unsupported CA key type ${type}`);
}

/** Whether `sig` (an SSH signature blob: algorithm name, then the signature) by `ca` covers `data`. */
export function signatureValid(cert: HostCertificate): boolean {
  const s = new Reader(cert.signature);
  const sigType = s.text();
  const sig = s.string();
  return caVerifier(cert.signatureKey)(cert.signed, sigType, sig);
}

function globMatch(pattern: string, name: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

const FOREVER = 0xffff_ffff_ffff_ffffn;
const when = (t: bigint): string =>
  t === FOREVER ? 'forever' : new Date(Number(t) * 1000).toISOString();

export interface CertificateAuthority {
  readonly blob: Buffer;
  /** `file:line` of the @cert-authority line. */
  readonly at: string;
}

/**
 * Checks a host certificate as ssh does for a @cert-authority line, and more strictly in one
 * point: a certificate naming no principal is refused (ssh accepts it for any host; certroll wants
 * the CA to have named this host). Returns the CA line that vouches, or why it is refused.
 */
export function checkHostCertificate(
  cert: HostCertificate,
  host: string,
  cas: readonly CertificateAuthority[],
  nowSeconds: number,
): { readonly ca: CertificateAuthority } | { readonly refused: string } {
  if (cert.type !== 2)
    return { refused: `certificate ${cert.keyId} is a user certificate, not a host certificate` };
  const ca = cas.find((c) => c.blob.equals(cert.signatureKey));
  if (ca === undefined)
    return {
      refused: `certificate ${cert.keyId} is signed by a CA that no @cert-authority line for this host trusts`,
    };
  let valid: boolean;
  try {
    valid = signatureValid(cert);
  } catch (error) {
    return { refused: `certificate ${cert.keyId}: ${(error as Error).message}` };
  }
  if (!valid)
    return { refused: `certificate ${cert.keyId} has a bad signature by the CA at ${ca.at}` };
  const now = BigInt(Math.floor(nowSeconds));
  if (now < cert.validAfter || now >= cert.validBefore)
    return {
      refused: `certificate ${cert.keyId} is not valid now (valid from ${when(cert.validAfter)} to ${when(cert.validBefore)})`,
    };
  if (cert.criticalOptions.length > 0)
    return {
      refused: `certificate ${cert.keyId} has critical options, which a host certificate cannot`,
    };
  if (cert.principals.length === 0)
    return {
      refused: `certificate ${cert.keyId} names no principal (ssh would accept it for any host; certroll wants the CA to name ${host})`,
    };
  if (!cert.principals.some((p) => globMatch(p, host)))
    return {
      refused: `certificate ${cert.keyId} is for ${cert.principals.join(', ')}, not ${host}`,
    };
  return { ca };
}
