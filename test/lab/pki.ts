// Test PKI built with the real openssl CLI: CAs, intermediates and leaves with any validity
// window, key type, digest and extensions, plus PKCS#12 exports. Nothing is committed: every test
// makes the certificates it needs in a temporary folder.
import { execFileSync } from 'node:child_process';
import { X509Certificate, createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

export type KeySpec =
  | { readonly type: 'rsa'; readonly bits: number }
  | {
      readonly type: 'ec';
      readonly curve: 'prime256v1' | 'secp384r1' | 'secp521r1' | 'secp224r1' | 'secp256k1';
    }
  | { readonly type: 'ed25519' };

export interface CertSpec {
  readonly cn: string;
  /** SAN entries: `www.example.com`, `*.example.com`, or `IP:127.0.0.1`. */
  readonly sans?: readonly string[];
  readonly key?: KeySpec;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  /** Days from now (negative: in the past); used when notAfter is absent. Default 90. */
  readonly days?: number;
  readonly isCa?: boolean;
  /** Extended key usages; `null` for none. Default serverAuth for leaves, none for CAs. */
  readonly eku?: readonly string[] | null;
  readonly digest?: 'sha256' | 'sha384' | 'sha1' | 'md5';
  /** Extra extension lines for the openssl extension section. */
  readonly extraExtensions?: readonly string[];
  /** Reuse this existing private key file instead of generating one (`key` is then ignored). */
  readonly keyPath?: string;
}

export interface Issued {
  readonly name: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly certPath: string;
  readonly keyPath: string;
  /** SHA-256 of the DER, lowercase hex without separators (certroll's canonical form). */
  readonly sha256: string;
  /** SHA-1 of the DER, uppercase hex: the Windows thumbprint. */
  readonly thumbprint: string;
  readonly x509: X509Certificate;
}

export interface PfxOptions {
  readonly password: string;
  /** The chain to include after the leaf (intermediates, optionally the root). */
  readonly chain?: readonly Issued[];
  /** legacy: RC2-40/3DES with a SHA-1 MAC (old Windows); aes: AES-256-CBC, SHA-256 MAC. */
  readonly encoding?: 'legacy' | '3des' | 'aes';
  /** Leave the key out (a PFX with no private key). */
  readonly noKey?: boolean;
}

const DAY = 86_400_000;

/** The EC key most test leaves use: fast to make, and what the lab's servers accept. */
export const P256: KeySpec = { type: 'ec', curve: 'prime256v1' };

/** A date `days` from now (negative: in the past), for a validity window. */
export function daysFromNow(days: number): Date {
  return new Date(Date.now() + days * DAY);
}

function opensslDate(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

export function sha256Hex(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

export class TestPki {
  private counter = 0;

  readonly dir: string;

  // A plain field, not a parameter property: the benchmarks load the lab with Node's own type
  // stripping, which has no parameter properties.
  private constructor(dir: string) {
    this.dir = dir;
  }

  static create(prefix = 'certroll-pki-'): TestPki {
    return new TestPki(mkdtempSync(join(tmpdir(), prefix)));
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private openssl(args: readonly string[], input?: string): string {
    return execFileSync('openssl', args, {
      encoding: 'utf8',
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }

  key(
    spec: KeySpec = { type: 'rsa', bits: 2048 },
    path = join(this.dir, `k${++this.counter}.key`),
  ): string {
    const args =
      spec.type === 'rsa'
        ? ['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${spec.bits}`]
        : spec.type === 'ec'
          ? ['genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${spec.curve}`]
          : ['genpkey', '-algorithm', 'ED25519'];
    this.openssl([...args, '-out', path]);
    return path;
  }

  /** A self-signed root CA. */
  root(spec: Partial<CertSpec> = {}): Issued {
    return this.issue({ cn: 'certroll test root', isCa: true, days: 3650, ...spec }, undefined);
  }

  /** A certificate signed by `issuer` (self-signed when issuer is undefined). */
  issue(spec: CertSpec, issuer: Issued | undefined): Issued {
    const n = ++this.counter;
    const name = `c${n}`;
    const work = join(this.dir, `ca-${n}`);
    mkdirSync(join(work, 'new'), { recursive: true });
    writeFileSync(join(work, 'index.txt'), '');
    // A random positive serial, as public CAs use (the first bit cleared keeps it positive).
    writeFileSync(
      join(work, 'serial'),
      `${(randomBytes(16).readUInt8(0) & 0x7f).toString(16).padStart(2, '0')}${randomBytes(15).toString('hex')}\n`,
    );
    const keyPath = spec.keyPath ?? this.key(spec.key, join(this.dir, `${name}.key`));
    const csrPath = join(work, 'req.csr');
    this.openssl(['req', '-new', '-key', keyPath, '-subj', `/CN=${spec.cn}`, '-out', csrPath]);

    const isCa = spec.isCa === true;
    const eku = spec.eku === undefined ? (isCa ? null : ['serverAuth']) : spec.eku;
    const ext = [
      isCa ? 'basicConstraints=critical,CA:TRUE' : 'basicConstraints=critical,CA:FALSE',
      isCa
        ? 'keyUsage=critical,keyCertSign,cRLSign'
        : 'keyUsage=critical,digitalSignature,keyEncipherment',
      'subjectKeyIdentifier=hash',
      ...(issuer ? ['authorityKeyIdentifier=keyid'] : []),
      ...(eku && eku.length > 0 ? [`extendedKeyUsage=${eku.join(',')}`] : []),
      ...(spec.sans && spec.sans.length > 0
        ? [
            `subjectAltName=${spec.sans.map((s) => (s.startsWith('IP:') ? s : `DNS:${s}`)).join(',')}`,
          ]
        : []),
      ...(spec.extraExtensions ?? []),
    ];
    writeFileSync(join(work, 'ext.cnf'), `[v3]\n${ext.join('\n')}\n`);
    writeFileSync(
      join(work, 'ca.cnf'),
      [
        '[ca]',
        'default_ca=d',
        '[d]',
        `database=${join(work, 'index.txt')}`,
        `new_certs_dir=${join(work, 'new')}`,
        `serial=${join(work, 'serial')}`,
        'policy=p',
        'unique_subject=no',
        'email_in_dn=no',
        '[p]',
        'commonName=supplied',
        '',
      ].join('\n'),
    );
    const notBefore = spec.notBefore ?? new Date(Date.now() - DAY);
    const notAfter = spec.notAfter ?? new Date(Date.now() + (spec.days ?? 90) * DAY);
    const certPath = join(this.dir, `${name}.crt`);
    const signer = issuer
      ? ['-cert', issuer.certPath, '-keyfile', issuer.keyPath]
      : ['-selfsign', '-keyfile', keyPath];
    this.openssl([
      'ca',
      '-batch',
      '-notext',
      '-rand_serial',
      '-config',
      join(work, 'ca.cnf'),
      '-in',
      csrPath,
      '-out',
      certPath,
      ...signer,
      '-startdate',
      opensslDate(notBefore),
      '-enddate',
      opensslDate(notAfter),
      '-md',
      spec.digest ?? 'sha256',
      '-extfile',
      join(work, 'ext.cnf'),
      '-extensions',
      'v3',
    ]);
    const certPem = readFileSync(certPath, 'utf8');
    const x509 = new X509Certificate(certPem);
    return {
      name,
      certPem,
      keyPem: readFileSync(keyPath, 'utf8'),
      certPath,
      keyPath,
      sha256: sha256Hex(x509.raw),
      thumbprint: x509.fingerprint.replace(/:/g, '').toUpperCase(),
      x509,
    };
  }

  /** A leaf for `name` (its CN and only SAN unless `spec` says) signed by `issuer`. */
  leaf(name: string, issuer: Issued, spec: Partial<CertSpec> = {}): Issued {
    return this.issue({ cn: name, sans: [name], ...spec }, issuer);
  }

  /** Root, intermediate and a leaf for `names` (first name is the CN), in one call. */
  chain(
    names: readonly string[],
    leaf: Partial<CertSpec> = {},
  ): { root: Issued; intermediate: Issued; leaf: Issued } {
    const root = this.root();
    const intermediate = this.issue(
      { cn: 'certroll test intermediate', isCa: true, days: 1825 },
      root,
    );
    const issuedLeaf = this.issue(
      { cn: names[0] ?? 'localhost', sans: names, ...leaf },
      intermediate,
    );
    return { root, intermediate, leaf: issuedLeaf };
  }

  /** Writes `text` to a file in the PKI folder and returns its path. */
  write(fileName: string, text: string | Buffer): string {
    const path = join(this.dir, fileName);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  }

  /** PKCS#12 export of `leaf` (and its chain) with the real openssl pkcs12 command. */
  pfx(leaf: Issued, options: PfxOptions, fileName = `${leaf.name}-${++this.counter}.pfx`): string {
    const out = join(this.dir, fileName);
    const passFile = this.write(`${fileName}.pass`, options.password);
    const chainFile = this.write(
      `${fileName}.chain.pem`,
      (options.chain ?? []).map((c) => c.certPem).join(''),
    );
    const encoding =
      options.encoding === 'legacy'
        ? ['-legacy']
        : options.encoding === '3des'
          ? ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']
          : ['-keypbe', 'AES-256-CBC', '-certpbe', 'AES-256-CBC', '-macalg', 'sha256'];
    this.openssl([
      'pkcs12',
      '-export',
      ...(options.noKey ? ['-nokeys'] : ['-inkey', leaf.keyPath]),
      '-in',
      leaf.certPath,
      ...(options.chain && options.chain.length > 0 ? ['-certfile', chainFile] : []),
      '-passout',
      `file:${passFile}`,
      '-out',
      out,
      ...encoding,
    ]);
    return out;
  }

  /**
   * The leaf's key encrypted with a passphrase: PKCS#8 (AES-256) by default, or with
   * `traditional` the legacy PEM form (`Proc-Type: 4,ENCRYPTED` headers).
   */
  encryptedKey(leaf: Issued, passphrase: string, options: { traditional?: boolean } = {}): string {
    const passFile = this.write(`${leaf.name}.keypass`, passphrase);
    const out = join(this.dir, `${leaf.name}${options.traditional ? '.trad' : ''}.enc.key`);
    this.openssl([
      'pkey',
      '-in',
      leaf.keyPath,
      ...(options.traditional ? ['-traditional'] : []),
      '-aes-256-cbc',
      '-passout',
      `file:${passFile}`,
      '-out',
      out,
    ]);
    return out;
  }
}

export interface RenewalPki {
  readonly pki: TestPki;
  readonly root: Issued;
  readonly intermediate: Issued;
  /** Served before the rollout (20 days left). */
  readonly oldLeaf: Issued;
  /** Rolled out (200 days). */
  readonly newLeaf: Issued;
  /** The new leaf, the intermediate and the new key in one PEM file. */
  readonly bundlePath: string;
}

/** A root, an intermediate, and an old and a new leaf for `name` issued by it. */
export function renewalPki(name: string, options: { key?: KeySpec } = {}): RenewalPki {
  const pki = TestPki.create();
  const root = pki.root();
  const intermediate = pki.issue({ cn: 'lab intermediate', isCa: true, days: 365 }, root);
  const leaf = { cn: name, sans: [name], ...(options.key ? { key: options.key } : {}) };
  const oldLeaf = pki.issue({ ...leaf, days: 20 }, intermediate);
  const newLeaf = pki.issue({ ...leaf, days: 200 }, intermediate);
  const bundlePath = pki.write(
    'bundle.pem',
    newLeaf.certPem + intermediate.certPem + newLeaf.keyPem,
  );
  return { pki, root, intermediate, oldLeaf, newLeaf, bundlePath };
}

/**
 * Certificates a test file needs, made by `make` in its beforeAll (in a fresh TestPki, removed
 * in its afterAll) and read as `certs.name` in its tests; `certs.pki` is the PKI itself.
 */
export function usePki<T extends object>(make: (pki: TestPki) => T): T & { readonly pki: TestPki } {
  let made: (T & { pki: TestPki }) | undefined;
  beforeAll(() => {
    const pki = TestPki.create();
    made = { ...make(pki), pki };
  });
  afterAll(() => made?.pki.cleanup());
  return new Proxy({} as T & { pki: TestPki }, {
    get: (_, key) => {
      if (made === undefined) throw new Error('usePki: read before its beforeAll ran');
      return made[key as keyof T];
    },
  });
}
