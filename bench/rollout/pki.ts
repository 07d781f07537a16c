// The bench's certificates, made with the openssl CLI: a root, an intermediate and two ECDSA
// P-256 leaves for one SNI name (the old one the lab starts with, the new one rolled out).
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LeafFiles {
  /** Leaf + intermediate, as nginx's ssl_certificate wants it. */
  readonly fullchain: string;
  readonly key: string;
  /** SHA-256 of the leaf's DER, lowercase hex. */
  readonly sha256: string;
}

export interface BenchPki {
  readonly rootPath: string;
  readonly old: LeafFiles;
  readonly next: LeafFiles;
  /** New leaf + intermediate + key in one PEM: certroll's --cert. */
  readonly bundle: string;
}

function openssl(args: readonly string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function sign(dir: string, name: string, subj: string, ext: string, ca: string, days: number) {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const extFile = join(dir, `${name}.ext`);
  writeFileSync(extFile, ext);
  openssl(['req', ...EC, '-keyout', key, '-out', csr, '-subj', subj]);
  openssl([
    ...['x509', '-req', '-in', csr, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`],
    ...['-CAcreateserial', '-out', cert, '-days', String(days), '-extfile', extFile],
  ]);
  return { key, cert };
}

export function makePki(dir: string, sni: string): BenchPki {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const root = join(dir, 'root');
  openssl([
    ...['req', '-x509', ...EC, '-keyout', `${root}.key`, '-out', `${root}.crt`],
    ...['-subj', '/CN=bench rollout root', '-days', '30'],
  ]);
  const ca = 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n';
  sign(dir, 'inter', '/CN=bench rollout intermediate', ca, root, 30);
  const leafExt = `subjectAltName=DNS:${sni}\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n`;
  const inter = readFileSync(join(dir, 'inter.crt'), 'utf8');
  const leaf = (name: string, days: number): LeafFiles => {
    const { key, cert } = sign(dir, name, `/CN=${sni}`, leafExt, join(dir, 'inter'), days);
    const pem = readFileSync(cert, 'utf8');
    const fullchain = join(dir, `${name}.fullchain.pem`);
    writeFileSync(fullchain, pem + inter);
    const sha256 = new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();
    return { fullchain, key, sha256 };
  };
  const old = leaf('old', 20);
  const next = leaf('new', 200);
  const bundle = join(dir, 'bundle.pem');
  writeFileSync(bundle, readFileSync(next.fullchain, 'utf8') + readFileSync(next.key, 'utf8'), {
    mode: 0o600,
  });
  return { rootPath: `${root}.crt`, old, next, bundle };
}
