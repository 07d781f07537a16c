import { describe, expect, it } from 'vitest';
import { DerError, decodeOid, scanDer, signatureAlgorithmOid } from '../../../src/cert/der.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('the bounded DER reader', () => {
  it('accepts BER indefinite lengths, as some PKCS#12 writers use them', () => {
    expect(() =>
      scanDer(bytes(0x30, 0x80, 0x02, 0x01, 0x03, 0x30, 0x80, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00)),
    ).not.toThrow();
  });

  it('refuses trailing bytes after the outer element', () => {
    expect(() => scanDer(bytes(0x30, 0x00, 0x00))).toThrow(/trailing bytes/);
  });

  it('refuses an indefinite length that never ends', () => {
    expect(() => scanDer(bytes(0x30, 0x80, 0x05, 0x00))).toThrow(DerError);
  });

  it('refuses a child that runs past its parent', () => {
    expect(() => scanDer(bytes(0x30, 0x03, 0x04, 0x05, 0x00))).toThrow(/runs past/);
  });

  it('refuses an iteration count above the limit and accepts a normal one', () => {
    const params = (...count: number[]) =>
      bytes(0x30, 5 + count.length, 0x04, 0x01, 0xaa, 0x02, count.length, ...count);
    expect(() => scanDer(params(0x08, 0x00))).not.toThrow();
    expect(() => scanDer(params(0x7f, 0xff, 0xff, 0xff))).toThrow(/iteration count 2147483647/);
  });

  it('decodes object identifiers', () => {
    expect(decodeOid(bytes(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b))).toBe(
      '1.2.840.113549.1.1.11',
    );
    expect(decodeOid(bytes(0x55, 0x1d, 0x25, 0x00))).toBe('2.5.29.37.0');
  });

  it('reads the signature algorithm of a certificate-shaped structure', () => {
    const cert = bytes(
      0x30,
      0x0d,
      0x30,
      0x00,
      0x30,
      0x07,
      0x06,
      0x05,
      0x2b,
      0x0e,
      0x03,
      0x02,
      0x1a,
      0x03,
      0x00,
    );
    expect(signatureAlgorithmOid(cert)).toBe('1.3.14.3.2.26');
    expect(() => signatureAlgorithmOid(bytes(0x30, 0x02, 0x30, 0x00))).toThrow(DerError);
  });
});
