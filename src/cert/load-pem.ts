import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { CertrollError } from '../errors.js';
import { passwordHint } from './password.js';
import { type Parsed, type SourcedCert, type SourcedKey } from './types.js';

interface PemBlock {
  /** 1-based position among the file's blocks. */
  readonly index: number;
  readonly type: string;
  readonly line: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
  readonly text: string;
}

const BEGIN = /^-----BEGIN ([A-Z0-9 ]+)-----\s*$/;
const END = /^-----END ([A-Z0-9 ]+)-----\s*$/;
const BASE64_LINE = /^[A-Za-z0-9+/]*={0,2}$/;
const KEY_TYPES = new Set([
  'PRIVATE KEY',
  'RSA PRIVATE KEY',
  'EC PRIVATE KEY',
  'ENCRYPTED PRIVATE KEY',
]);
const IGNORED = new Set(['EC PARAMETERS', 'DH PARAMETERS', 'X509 CRL']);

/** Splits PEM text into blocks, naming the block and its line in every error. */
export function parsePemBlocks(text: string, file: string): PemBlock[] {
  const lines = text.split(/\r?\n/);
  const blocks: PemBlock[] = [];
  let open:
    { type: string; line: number; headers: Map<string, string>; body: string[] } | undefined;
  const fail = (line: number, type: string, message: string): never => {
    throw new CertrollError(
      'CERT_PARSE',
      `PEM block ${blocks.length + 1} (${type}) starting at line ${line}: ${message}`,
      { file, hint: 'The file looks damaged: export the certificate or key again.' },
    );
  };
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.trim();
    if (open === undefined) {
      const begin = BEGIN.exec(line);
      if (begin) open = { type: begin[1] ?? '', line: lineNo, headers: new Map(), body: [] };
      else if (line.startsWith('-----END')) fail(lineNo, 'END', 'END line without a BEGIN line');
      return;
    }
    const end = END.exec(line);
    if (end) {
      if (end[1] !== open.type)
        fail(open.line, open.type, `ends with END ${end[1] ?? ''} at line ${lineNo}`);
      const b64 = open.body.join('');
      if (b64.length === 0) fail(open.line, open.type, 'the block is empty');
      if (b64.length % 4 !== 0) fail(open.line, open.type, 'the base64 body is truncated');
      const headerText = [...open.headers].map(([k, v]) => `${k}: ${v}\n`).join('');
      const body = Buffer.from(b64, 'base64');
      blocks.push({
        index: blocks.length + 1,
        type: open.type,
        line: open.line,
        headers: open.headers,
        body,
        text: `-----BEGIN ${open.type}-----\n${headerText}${headerText ? '\n' : ''}${(b64.match(/.{1,64}/g) ?? []).join('\n')}\n-----END ${open.type}-----\n`,
      });
      open = undefined;
      return;
    }
    if (line.startsWith('-----BEGIN'))
      fail(open.line, open.type, `no END line before line ${lineNo}`);
    const header = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (header && open.body.length === 0) {
      open.headers.set(header[1] ?? '', header[2] ?? '');
      return;
    }
    if (line === '') return;
    if (!BASE64_LINE.test(line)) fail(open.line, open.type, `line ${lineNo} is not base64`);
    open.body.push(line);
  });
  if (open !== undefined) fail(open.line, open.type, 'no END line (the file is truncated)');
  return blocks;
}

/** Certificates and keys of a PEM file; encrypted keys are decrypted with `password`. */
export function loadPem(text: string, file: string, password: string | undefined): Parsed {
  const certs: SourcedCert[] = [];
  const keys: SourcedKey[] = [];
  const blocks = parsePemBlocks(text, file);
  if (blocks.length === 0) {
    throw new CertrollError('CERT_PARSE', 'the file holds no PEM block', {
      file,
      hint: 'Expected -----BEGIN CERTIFICATE----- and/or -----BEGIN PRIVATE KEY----- blocks.',
    });
  }
  for (const block of blocks) {
    const where = `PEM block ${block.index} (${block.type}, line ${block.line})`;
    const origin = `${file} block ${block.index} (${block.type}, line ${block.line})`;
    if (block.type === 'CERTIFICATE') {
      certs.push({ cert: parseCert(block, file, where), origin });
    } else if (KEY_TYPES.has(block.type)) {
      keys.push({ key: parseKey(block, file, where, password), origin });
    } else if (block.type === 'CERTIFICATE REQUEST' || block.type === 'NEW CERTIFICATE REQUEST') {
      throw new CertrollError('CERT_BUNDLE', `${where} is a certificate signing request`, {
        file,
        hint: 'Give the certificate the CA issued for this request, not the request.',
      });
    } else if (!IGNORED.has(block.type)) {
      throw new CertrollError('CERT_UNSUPPORTED', `${where}: unsupported PEM block type`, {
        file,
        hint: 'certroll reads CERTIFICATE and PRIVATE KEY blocks (PKCS#8, RSA, EC; encrypted too).',
      });
    }
  }
  return { certs, keys };
}

function parseCert(block: PemBlock, file: string, where: string): X509Certificate {
  try {
    return new X509Certificate(block.body);
  } catch (error) {
    throw new CertrollError('CERT_PARSE', `${where} is not a valid X.509 certificate`, {
      file,
      cause: error,
      hint: 'The block is damaged: export the certificate again.',
    });
  }
}

function parseKey(
  block: PemBlock,
  file: string,
  where: string,
  password: string | undefined,
): KeyObject {
  const encrypted =
    block.type === 'ENCRYPTED PRIVATE KEY' || block.headers.get('Proc-Type') === '4,ENCRYPTED';
  if (encrypted && password === undefined) {
    throw new CertrollError('CERT_PASSWORD', `${where} is encrypted and no passphrase was given`, {
      file,
      hint: passwordHint,
    });
  }
  try {
    return createPrivateKey(
      encrypted
        ? { key: block.text, format: 'pem', passphrase: password }
        : { key: block.text, format: 'pem' },
    );
  } catch (error) {
    if (encrypted) {
      throw new CertrollError(
        'CERT_PASSWORD',
        `${where}: the passphrase does not decrypt the key`,
        {
          file,
          cause: error,
          hint: 'Check the passphrase file or variable (a trailing newline in a file is removed).',
        },
      );
    }
    throw new CertrollError('CERT_PARSE', `${where} is not a valid private key`, {
      file,
      cause: error,
      hint: 'The block is damaged: export the key again.',
    });
  }
}
