import { describe, expect, it } from 'vitest';
import { closest, didYouMean, editDistance } from '../../../src/inventory/suggest.js';

const KINDS = [
  'bc-service-tier',
  'haproxy',
  'iis',
  'netsh-http',
  'nginx',
  'pem-files',
  'windows-service',
];

describe('editDistance', () => {
  it.each([
    ['nginx', 'nginx', 0],
    ['ngnix', 'nginx', 1], // two neighbours swapped: one edit, not two
    ['ngin', 'nginx', 1],
    ['nginxx', 'nginx', 1],
    ['nginz', 'nginx', 1],
    ['', 'iis', 3],
    ['haproxy', 'nginx', 6],
    ['ca', 'abc', 3], // optimal string alignment, not unrestricted Damerau (which says 2)
  ])('%j to %j is %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('closest', () => {
  it.each([
    ['ngnix', 'nginx'],
    ['NGINX', 'nginx'],
    ['haprxy', 'haproxy'],
    ['netsh_http', 'netsh-http'],
    ['windows-servcie', 'windows-service'],
    ['iss', 'iis'],
  ])('suggests %j for %j', (word, want) => {
    expect(closest(word, KINDS)).toBe(want);
  });

  it.each(['apache', 'caddy', 'x', '', 'nginx-plus-with-lua'])(
    'suggests nothing for %j',
    (word) => {
      expect(closest(word, KINDS)).toBeUndefined();
    },
  );

  it('allows one edit in short names and two in longer ones', () => {
    expect(closest('certPth', ['certPath'])).toBe('certPath');
    expect(closest('crtPth', ['certPath'])).toBe('certPath');
    expect(closest('keyPth', ['keyPath'])).toBe('keyPath');
    expect(closest('kyPth', ['keyPath'])).toBeUndefined(); // two edits in five letters
    expect(closest('sn', ['sni'])).toBe('sni');
    expect(closest('snx', ['soak'])).toBeUndefined();
  });

  it('prefers the nearest, and the first of equally near names', () => {
    expect(closest('certpath', ['crtPath', 'certPath'])).toBe('certPath');
    expect(closest('bat', ['bar', 'baz'])).toBe('bar');
  });

  it('gives no suggestion for a name too long to be a typo, however close', () => {
    const long = 'a'.repeat(65);
    expect(closest(long, [`${long.slice(1)}b`])).toBeUndefined();
  });
});

describe('didYouMean', () => {
  it('leads a hint when a name is near, and is empty otherwise', () => {
    expect(didYouMean('ngnix', KINDS)).toBe('Did you mean nginx? ');
    expect(didYouMean('apache', KINDS)).toBe('');
  });
});
