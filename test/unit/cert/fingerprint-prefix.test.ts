import { describe, expect, it } from 'vitest';
import {
  parseFingerprintPrefix,
  resolveFingerprintPrefix,
  shortFingerprint,
} from '../../../src/cert/fingerprint-prefix.js';

const A = 'ab12cd34'.repeat(8);
const B = 'ab12cd35'.repeat(8);
const C = '0f'.repeat(32);
const colons = (hex: string) => (hex.toUpperCase().match(/../g) ?? []).join(':');

describe('a fingerprint as people paste it', () => {
  it('reads whole fingerprints and prefixes in hex, with or without colons, any case', () => {
    expect(parseFingerprintPrefix(A)).toEqual({ hex: A });
    expect(parseFingerprintPrefix(colons(A))).toEqual({ hex: A });
    expect(parseFingerprintPrefix(`SHA256 Fingerprint=${colons(A)}`)).toEqual({ hex: A });
    expect(parseFingerprintPrefix('AB:12:CD:34')).toEqual({ hex: 'ab12cd34' });
    expect(parseFingerprintPrefix(' ab12cd34ab12 ')).toEqual({ hex: 'ab12cd34ab12' });
  });

  it('takes back the short form the tables print, with the ellipsis a copy may bring along', () => {
    expect(parseFingerprintPrefix(`${shortFingerprint(A)}…`)).toEqual({ hex: A.slice(0, 16) });
    expect(parseFingerprintPrefix(`${shortFingerprint(A)}...`)).toEqual({ hex: A.slice(0, 16) });
  });

  it('reads the SHA256:base64 form ssh-keygen prints, whole only', () => {
    const b64 = Buffer.from(C, 'hex').toString('base64').replace(/=+$/, '');
    expect(parseFingerprintPrefix(`SHA256:${b64}`)).toEqual({ hex: C });
    expect(parseFingerprintPrefix(`SHA256:${b64.slice(0, 10)}`)).toEqual({
      why: expect.stringContaining('must be whole'),
    });
  });

  it('refuses fewer than 8 hex digits, more than 64, and what is not hex', () => {
    expect(parseFingerprintPrefix('ab12cd3')).toEqual({
      why: 'a prefix needs at least 8 hex digits (7 given)',
    });
    expect(parseFingerprintPrefix(`${A}00`)).toEqual({
      why: 'it has 66 hex digits, a SHA-256 has 64',
    });
    expect(parseFingerprintPrefix('web-01.example.com')).toEqual({ why: 'it is not hexadecimal' });
  });
});

describe('resolving a prefix against the certificates a command saw', () => {
  const seen = [A, B, C, A];

  it('gives the one certificate the prefix starts', () => {
    expect(resolveFingerprintPrefix('--old', 'ab12cd34ab', seen, 'served')).toBe(A);
    expect(resolveFingerprintPrefix('--old', '0f0f0f0f', seen, 'served')).toBe(C);
  });

  it('keeps a whole fingerprint as it is, seen or not', () => {
    expect(resolveFingerprintPrefix('--old', 'ee'.repeat(32), seen, 'served')).toBe(
      'ee'.repeat(32),
    );
  });

  it('refuses an ambiguous prefix, naming the candidates', () => {
    expect(() => resolveFingerprintPrefix('--expect', 'ab12cd3', seen, 'served')).toThrow(
      expect.objectContaining({
        code: 'USAGE',
        message: `--expect ab12cd3 is ambiguous: 2 certificates served start with it (${A.slice(0, 16)}, ${B.slice(0, 16)})`,
      }),
    );
  });

  it('refuses a prefix that matches nothing, listing what was seen', () => {
    expect(() => resolveFingerprintPrefix('--old', 'deadbeef', seen, 'served')).toThrow(
      expect.objectContaining({
        code: 'USAGE',
        message: `--old deadbeef matches no certificate served (seen: ${C.slice(0, 16)}, ${A.slice(0, 16)}, ${B.slice(0, 16)})`,
      }),
    );
    expect(() => resolveFingerprintPrefix('--old', 'deadbeef', [], 'served')).toThrow(
      '--old deadbeef matches no certificate served (none seen)',
    );
  });
});
