import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../../../src/cert/index.js';
import { scanDer } from '../../../src/cert/der.js';
import { CertrollError } from '../../../src/errors.js';
import { TestPki, type Issued } from '../../lab/pki.js';

// Whatever the bytes, loading ends quickly in a CertrollError (or, for a harmless mutation, a
// bundle): never a hang, a stack overflow or a foreign exception.

let pki: TestPki;
let set: { root: Issued; intermediate: Issued; leaf: Issued };
let pfx: Buffer;
let n = 0;

beforeAll(() => {
  pki = TestPki.create();
  set = pki.chain(['hostile.example.com']);
  pfx = readFileSync(
    pki.pfx(set.leaf, { password: 'pw', encoding: 'aes', chain: [set.intermediate] }),
  );
});
afterAll(() => pki.cleanup());

function loadBytes(bytes: Uint8Array | string, password = 'pw'): unknown {
  const path = pki.write(
    `hostile-${++n}.bin`,
    typeof bytes === 'string' ? bytes : Buffer.from(bytes),
  );
  const started = performance.now();
  let outcome: unknown;
  try {
    loadBundle({ path, password });
    outcome = 'loaded';
  } catch (error) {
    outcome = error;
  }
  expect(performance.now() - started).toBeLessThan(2000);
  return outcome;
}

function expectCertrollErrorOrLoad(outcome: unknown): void {
  if (outcome === 'loaded') return;
  expect(outcome).toBeInstanceOf(CertrollError);
  expect((outcome as CertrollError).kind).toBe('user');
}

function lengthHeader(len: number): number[] {
  if (len < 0x80) return [0x30, len];
  if (len < 0x10000) return [0x30, 0x82, len >> 8, len & 0xff];
  return [0x30, 0x83, len >> 16, (len >> 8) & 0xff, len & 0xff];
}

/** `depth` SEQUENCEs, each holding the next, around a NULL; built in linear time. */
function nestedDefinite(depth: number): Buffer {
  const contentLengths = [2];
  for (let i = 1; i < depth; i++) {
    const inner = contentLengths[i - 1]!;
    contentLengths.push(lengthHeader(inner).length + inner);
  }
  const outerContent = contentLengths[depth - 1]!;
  const out = Buffer.alloc(lengthHeader(outerContent).length + outerContent);
  let pos = 0;
  for (let i = depth - 1; i >= 0; i--) {
    const header = lengthHeader(contentLengths[i]!);
    out.set(header, pos);
    pos += header.length;
  }
  out.set([0x05, 0x00], pos);
  return out;
}

describe('hostile input', () => {
  it('ends random bytes in a CertrollError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.boolean(), (bytes, asSequence) => {
        const data = asSequence ? Uint8Array.from([0x30, ...bytes]) : bytes;
        const outcome = loadBytes(data);
        expect(outcome).toBeInstanceOf(CertrollError);
      }),
      { numRuns: 150 },
    );
  });

  it('ends a mutated PFX in a CertrollError or a bundle', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(pfx.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.nat(pfx.length),
        (flips, cut) => {
          const copy = Buffer.from(pfx);
          for (const [at, value] of flips) copy[at] = value;
          expectCertrollErrorOrLoad(loadBytes(copy));
          expectCertrollErrorOrLoad(loadBytes(copy.subarray(0, Math.max(1, cut))));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('ends a mutated DER certificate inside PEM in a CertrollError or a bundle', () => {
    const der = set.leaf.x509.raw;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(der.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 6,
        }),
        (flips) => {
          const copy = Buffer.from(der);
          for (const [at, value] of flips) copy[at] = value;
          const pem = `-----BEGIN CERTIFICATE-----\n${copy.toString('base64')}\n-----END CERTIFICATE-----\n${set.leaf.keyPem}`;
          expectCertrollErrorOrLoad(loadBytes(pem));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses 100000 nested SEQUENCE headers with indefinite lengths quickly', () => {
    const outcome = loadBytes(Buffer.concat([Buffer.alloc(200_000, Buffer.from([0x30, 0x80]))]));
    expect(outcome).toBeInstanceOf(CertrollError);
    expect((outcome as CertrollError).code).toBe('CERT_PARSE');
    expect((outcome as CertrollError).message).toMatch(/nesting deeper/);
  });

  it('refuses 100000 nested SEQUENCEs with definite lengths quickly', () => {
    const outcome = loadBytes(nestedDefinite(100_000));
    expect((outcome as CertrollError).code).toBe('CERT_PARSE');
  });

  it('refuses deep nesting hidden inside an OCTET STRING', () => {
    const deep = nestedDefinite(5_000);
    const octet = Buffer.concat([
      Buffer.from([0x04, 0x83, deep.length >> 16, (deep.length >> 8) & 0xff, deep.length & 0xff]),
      deep,
    ]);
    const inner = Buffer.concat([Buffer.from([0x02, 0x01, 0x03]), octet]);
    const outer = Buffer.concat([
      Buffer.from([
        0x30,
        0x83,
        inner.length >> 16,
        (inner.length >> 8) & 0xff,
        inner.length & 0xff,
      ]),
      inner,
    ]);
    expect(() => scanDer(outer)).toThrow(/nesting deeper/);
    expect((loadBytes(outer) as CertrollError).code).toBe('CERT_PARSE');
  });

  it('refuses deeply nested ASN.1 inside a PEM certificate or key block', () => {
    const body = nestedDefinite(100_000).toString('base64').replace(/.{64}/g, '$&\n');
    for (const type of ['CERTIFICATE', 'PRIVATE KEY']) {
      const outcome = loadBytes(`-----BEGIN ${type}-----\n${body}\n-----END ${type}-----\n`);
      expect((outcome as CertrollError).code).toBe('CERT_PARSE');
    }
  });

  it('refuses random bytes inside a PEM key block', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 1024 }), (bytes) => {
        const pem = `${set.leaf.certPem}-----BEGIN PRIVATE KEY-----\n${Buffer.from(bytes).toString('base64')}\n-----END PRIVATE KEY-----\n`;
        expect((loadBytes(pem) as CertrollError).code).toBe('CERT_PARSE');
      }),
      { numRuns: 50 },
    );
  });

  it('refuses huge length fields', () => {
    for (const header of [
      [0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02, 0x01, 0x03],
      [0x30, 0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00],
      [0x30, 0x03, 0x02, 0x84, 0x7f, 0xff, 0xff, 0xff],
    ]) {
      const outcome = loadBytes(Uint8Array.from(header));
      expect((outcome as CertrollError).code).toBe('CERT_PARSE');
    }
  });

  it('refuses a PFX whose MAC iteration count would make key derivation hang', () => {
    const { asn1 } = forge;
    const seq = (v: forge.asn1.Asn1[]) =>
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, v);
    const oid = (o: string) =>
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(o).getBytes());
    const octets = (b: string) =>
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, b);
    const int = (bytes: string) =>
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, bytes);
    const pfxAsn1 = seq([
      int('\x03'),
      seq([
        oid('1.2.840.113549.1.7.1'),
        asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [octets(asn1.toDer(seq([])).getBytes())]),
      ]),
      seq([
        seq([
          seq([oid('1.3.14.3.2.26'), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '')]),
          octets('x'.repeat(20)),
        ]),
        octets('salt1234'),
        int('\x7f\xff\xff\xff'),
      ]),
    ]);
    const outcome = loadBytes(Buffer.from(asn1.toDer(pfxAsn1).getBytes(), 'binary'));
    expect((outcome as CertrollError).code).toBe('CERT_PARSE');
    expect((outcome as CertrollError).message).toMatch(/iteration count 2147483647/);
  });

  it('accepts the real PFX it mutates', () => {
    expect(loadBytes(pfx)).toBe('loaded');
  });
});
