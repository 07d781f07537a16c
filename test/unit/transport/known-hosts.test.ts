import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkHostKey,
  fingerprintOf,
  knownKeyTypes,
  lookupName,
  parseKnownHosts,
} from '../../../src/transport/known-hosts.js';

const blob = (seed: string): Buffer =>
  Buffer.concat([Buffer.from('\0\0\0\x0bssh-ed25519'), Buffer.from(seed.padEnd(32, '.'))]);
const KEY = blob('server');
const OTHER = blob('impostor');
const line = (hosts: string, key = KEY, type = 'ssh-ed25519'): string =>
  `${hosts} ${type} ${key.toString('base64')}`;
const hashed = (name: string): string => {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
};
const check = (text: string, host = 'web-03', port = 22, key = KEY) =>
  checkHostKey(parseKnownHosts(text, 'kh'), host, port, key).status;

describe('known_hosts matching', () => {
  it('uses [host]:port for ports other than 22, as OpenSSH does', () => {
    expect(lookupName('10.0.4.7', 22)).toBe('10.0.4.7');
    expect(lookupName('10.0.4.7', 2222)).toBe('[10.0.4.7]:2222');
    expect(check(line('[web-03]:2222'), 'web-03', 2222)).toBe('match');
    expect(check(line('web-03'), 'web-03', 2222)).toBe('unknown');
  });

  it('matches hashed names and comma-separated lists', () => {
    expect(check(line(hashed('web-03')))).toBe('match');
    expect(check(line(hashed('[web-03]:2200')), 'web-03', 2200)).toBe('match');
    expect(check(line('db-01,web-03,10.0.4.7'))).toBe('match');
  });

  it('matches wildcards and honours negation', () => {
    expect(check(line('web-*'))).toBe('match');
    expect(check(line('web-0?'))).toBe('match');
    expect(check(line('web-*,!web-03'))).toBe('unknown');
  });

  it('says changed, naming where the expected key is, when the host has another key', () => {
    const verdict = checkHostKey(
      parseKnownHosts(`# c\n\n${line('web-03', OTHER)}\n`, 'kh'),
      'web-03',
      22,
      KEY,
    );
    expect(verdict).toEqual({
      status: 'changed',
      fingerprint: fingerprintOf(KEY),
      known: ['kh:3'],
    });
  });

  it('accepts the key when any of the host key types matches, and lists the types', () => {
    const text = [line('web-03', OTHER, 'ecdsa-sha2-nistp256'), line('web-03')].join('\n');
    expect(check(text)).toBe('match');
    expect(knownKeyTypes(parseKnownHosts(text, 'kh'), 'web-03', 22)).toEqual([
      'ecdsa-sha2-nistp256',
      'ssh-ed25519',
    ]);
  });

  it('refuses a @revoked key and ignores @cert-authority lines as host keys', () => {
    expect(check(`@revoked * ssh-ed25519 ${KEY.toString('base64')}\n${line('web-03')}`)).toBe(
      'revoked',
    );
    expect(check(`@cert-authority * ssh-ed25519 ${KEY.toString('base64')}`)).toBe('unknown');
  });

  it('skips malformed lines', () => {
    expect(check('garbage\nweb-03 ssh-ed25519\n' + line('web-03'))).toBe('match');
  });

  it('prints fingerprints as ssh-keygen does: SHA256 and unpadded base64', () => {
    expect(fingerprintOf(KEY)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});
