import { X509Certificate } from 'node:crypto';
import { CertrollError } from '../errors.js';
import { assembleBundle } from './assemble.js';
import { loadPem } from './load-pem.js';
import { loadPfx } from './load-pfx.js';
import { readInput } from './read-input.js';
import { type Bundle, type BundleFormat, type BundleInput, type Parsed } from './types.js';

/** Loads a PFX or PEM bundle (plus separate key and chain files) into a leaf, key and chain. */
export function loadBundle(input: BundleInput): Bundle {
  const main = parseFile(input.path, 'bundle', input.password);
  const parts: Parsed[] = [main.parsed];
  const files = [input.path];
  if (input.keyPath !== undefined) {
    parts.push(parseFile(input.keyPath, 'key file', input.password).parsed);
    files.push(input.keyPath);
  }
  for (const path of input.chainPaths ?? []) {
    parts.push(parseFile(path, 'chain file', input.password).parsed);
    files.push(path);
  }
  return assembleBundle(parts, { format: main.format, files });
}

/** Reads certificates only (trust anchors): PEM with any number of certificates, or one DER. */
export function loadCertificates(path: string, what = 'trust file'): X509Certificate[] {
  const { parsed } = parseFile(path, what, undefined);
  if (parsed.keys.length > 0) {
    throw new CertrollError('CERT_BUNDLE', `${what} ${path} holds a private key`, {
      hint: 'Trust anchors are certificates only; never copy a private key around needlessly.',
    });
  }
  if (parsed.certs.length === 0) {
    throw new CertrollError('CERT_BUNDLE', `${what} ${path} holds no certificate`);
  }
  return parsed.certs.map((c) => c.cert);
}

function parseFile(
  path: string,
  what: string,
  password: string | undefined,
): { format: BundleFormat; parsed: Parsed } {
  const data = readInput(path, what);
  const format = detectFormat(data, path, what);
  if (format === 'pem') return { format, parsed: loadPem(data.toString('utf8'), path, password) };
  // DER: a PFX starts SEQUENCE { INTEGER version, ... }; a certificate SEQUENCE { SEQUENCE ... }.
  if (isDerCertificate(data)) {
    try {
      return {
        format: 'der',
        parsed: { certs: [{ cert: new X509Certificate(data), origin: path }], keys: [] },
      };
    } catch (error) {
      throw new CertrollError('CERT_PARSE', `${what} ${path} is not a valid DER certificate`, {
        cause: error,
        hint: 'The file is damaged: export it again.',
      });
    }
  }
  return { format: 'pfx', parsed: loadPfx(data, path, password) };
}

function detectFormat(data: Buffer, path: string, what: string): BundleFormat {
  if (data.includes('-----BEGIN')) return 'pem';
  if (data[0] === 0x30) return 'pfx';
  throw new CertrollError('CERT_PARSE', `${what} ${path} is neither PEM nor DER (PFX/PKCS#12)`, {
    hint: 'Give a .pfx/.p12 file or a PEM file with -----BEGIN CERTIFICATE----- blocks.',
  });
}

function isDerCertificate(data: Buffer): boolean {
  // Skip the outer SEQUENCE header and look at the first inner tag.
  const lenByte = data[1] ?? 0;
  if (lenByte === 0x80) return false; // indefinite length: BER, so not a DER certificate
  const headerLength = lenByte < 0x80 ? 2 : 2 + (lenByte & 0x7f);
  return data[headerLength] === 0x30;
}
