import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkHostCertificate, parseHostCertificate } from '../../../src/transport/host-cert.js';
import { certifiedHostKey } from '../../../src/transport/host-cert-check.js';
import { certificatesIn, keyscanWith } from '../../../src/transport/ssh/keyscan.js';
import { parseKnownHosts } from '../../../src/transport/known-hosts.js';
import { generateKey, type SshKey } from '../../lab/keys.js';
import { tempDir } from '../../helpers/temp.js';

// Host certificates made by the real ssh-keygen, checked as ssh checks them for @cert-authority.
const dir = tempDir('certroll-hostcert-');
let n = 0;
const key = (type: 'ed25519' | 'ecdsa' | 'rsa' = 'ed25519'): SshKey =>
  generateKey(join(dir, `k${++n}`), type);
const blobOf = (publicKey: string): Buffer => Buffer.from(publicKey.split(' ')[1] ?? '', 'base64');

/** Signs `host`'s public key with `ca`: `-h` unless `user`, principals with -n, validity with -V. */
function sign(
  ca: SshKey,
  host: SshKey,
  o: { names?: string; validity?: string; user?: boolean } = {},
) {
  execFileSync(
    'ssh-keygen',
    [
      '-q',
      '-s',
      ca.privatePath,
      '-I',
      `id-${n}`,
      ...(o.user === true ? [] : ['-h']),
      ...(o.names !== undefined ? ['-n', o.names] : []),
      '-V',
      o.validity ?? '-5m:+1h',
      host.publicPath,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const text = readFileSync(host.publicPath.replace(/\.pub$/, '-cert.pub'), 'utf8');
  return parseHostCertificate(blobOf(text));
}

const now = () => Date.now() / 1000;
const trusting = (...cas: SshKey[]) =>
  cas.map((c, i) => ({ blob: blobOf(c.publicKey), at: `kh:${i + 1}` }));

describe('OpenSSH host certificates', () => {
  const ca = key();

  it('accepts a host certificate signed by a trusted CA, valid now, naming the host; its key is the plain host key', () => {
    const host = key();
    const cert = sign(ca, host, { names: 'web-01,web-01.example.com' });
    expect(cert).toMatchObject({
      type: 2,
      keyType: 'ssh-ed25519',
      principals: ['web-01', 'web-01.example.com'],
    });
    expect(cert.key.equals(blobOf(host.publicKey))).toBe(true);
    expect(checkHostCertificate(cert, 'web-01.example.com', trusting(key(), ca), now())).toEqual({
      ca: { blob: blobOf(ca.publicKey), at: 'kh:2' },
    });
  });

  it.each([
    ['ecdsa', 'ecdsa'],
    ['rsa', 'rsa'],
    ['ed25519', 'ecdsa'],
  ] as const)('checks the signature of a %s CA over a %s host key', (caType, hostType) => {
    const c = key(caType);
    const host = key(hostType);
    const cert = sign(c, host, { names: 'web-01' });
    expect(cert.key.equals(blobOf(host.publicKey))).toBe(true);
    expect(checkHostCertificate(cert, 'web-01', trusting(c), now())).toHaveProperty('ca');
  });

  it('refuses a certificate signed by another CA', () => {
    const cert = sign(key(), key(), { names: 'web-01' });
    expect(checkHostCertificate(cert, 'web-01', trusting(ca), now())).toEqual({
      refused: expect.stringContaining(
        'signed by a CA that no @cert-authority line for this host trusts',
      ),
    });
  });

  it('refuses a forged signature: the CA key named, the bytes changed', () => {
    const cert = sign(ca, key(), { names: 'web-01' });
    const signed = Buffer.from(cert.signed);
    signed.writeUInt8(signed.readUInt8(signed.length - 200) ^ 1, signed.length - 200);
    expect(checkHostCertificate({ ...cert, signed }, 'web-01', trusting(ca), now())).toEqual({
      refused: expect.stringContaining('has a bad signature by the CA at kh:1'),
    });
  });

  it('refuses an expired certificate and one not yet valid, with the dates', () => {
    const expired = sign(ca, key(), { names: 'web-01', validity: '20200101:20200102' });
    expect(checkHostCertificate(expired, 'web-01', trusting(ca), now())).toEqual({
      refused: expect.stringMatching(/is not valid now \(valid from 2020-01-01T.* to 2020-01-02T/),
    });
    const later = sign(ca, key(), { names: 'web-01', validity: '+1d:+2d' });
    expect(checkHostCertificate(later, 'web-01', trusting(ca), now())).toHaveProperty('refused');
  });

  it('refuses a certificate for another host, and accepts a wildcard principal as ssh does', () => {
    const cert = sign(ca, key(), { names: 'web-02' });
    expect(checkHostCertificate(cert, 'web-01', trusting(ca), now())).toEqual({
      refused: expect.stringContaining('is for web-02, not web-01'),
    });
    const wild = sign(ca, key(), { names: '*.example.com' });
    expect(checkHostCertificate(wild, 'web-01.example.com', trusting(ca), now())).toHaveProperty(
      'ca',
    );
  });

  it('refuses a certificate naming no principal (ssh would take it for any host) and a user certificate', () => {
    expect(checkHostCertificate(sign(ca, key()), 'web-01', trusting(ca), now())).toEqual({
      refused: expect.stringContaining('names no principal'),
    });
    const user = sign(ca, key(), { names: 'web-01', user: true });
    expect(checkHostCertificate(user, 'web-01', trusting(ca), now())).toEqual({
      refused: expect.stringContaining('is a user certificate'),
    });
  });

  it('says what is wrong with bytes that are no certificate', () => {
    expect(() => parseHostCertificate(blobOf(ca.publicKey))).toThrow(
      'not an OpenSSH certificate (unsupported certificate type ssh-ed25519)',
    );
    expect(() => parseHostCertificate(Buffer.from([0, 0, 0, 9, 1]))).toThrow('truncated');
  });
});

describe('the key a @cert-authority line vouches for', () => {
  const ca = key();
  const host = key();
  const cert = sign(ca, host, { names: '127.0.0.9' });
  const certBlob = blobOf(readFileSync(host.publicPath.replace(/\.pub$/, '-cert.pub'), 'utf8'));
  const lookup = (blobs: Buffer[], viaJump = false) => ({
    target: 'web-01 (127.0.0.9:22)',
    fetch: () => Promise.resolve(blobs),
    timeoutMs: 1000,
    viaJump,
  });
  const kh = (...lines: string[]) => parseKnownHosts(lines.join('\n'), 'kh');

  it('is the certificate key, when the certificate passes', async () => {
    const got = await certifiedHostKey(
      '127.0.0.9',
      22,
      kh(`@cert-authority * ${ca.publicKey}`),
      lookup([certBlob]),
    );
    expect(got).toMatchObject({ keyType: 'ssh-ed25519', ca: 'kh:1' });
    expect(got.key.equals(cert.key)).toBe(true);
  });

  it('is refused when the CA is @revoked, when no certificate is presented, and through a jump host', async () => {
    const revoked = kh(`@cert-authority * ${ca.publicKey}`, `@revoked * ${ca.publicKey}`);
    await expect(
      certifiedHostKey('127.0.0.9', 22, revoked, lookup([certBlob])),
    ).rejects.toMatchObject({
      code: 'TRANSPORT_HOST_KEY',
      message: expect.stringContaining('signed by a CA marked @revoked (kh:2)'),
    });
    const trusted = kh(`@cert-authority * ${ca.publicKey}`);
    await expect(certifiedHostKey('127.0.0.9', 22, trusted, lookup([]))).rejects.toThrow(
      'Host web-01 (127.0.0.9:22): known_hosts trusts a certificate authority for it (kh:1), but the host presents no host certificate',
    );
    await expect(
      certifiedHostKey('127.0.0.9', 22, trusted, lookup([certBlob], true)),
    ).rejects.toThrow('cannot fetch a host certificate through a jump host');
  });
});

describe('ssh-keyscan -c', () => {
  it('reads the certificates from its output (type and base64, no host name) and skips comments', () => {
    const out = [
      '# 127.0.0.9:22 SSH-2.0-OpenSSH_9.2p1',
      'ssh-ed25519-cert-v01@openssh.com AAAAAQ==',
      '[127.0.0.9]:22 ssh-ed25519 AAAAAg==',
      '',
    ].join('\n');
    expect(certificatesIn(out)).toEqual([Buffer.from([0, 0, 0, 1])]);
  });

  it('says so, with a hint, when ssh-keyscan is not installed', async () => {
    await expect(
      keyscanWith('/nonexistent/ssh-keyscan')('127.0.0.9', 22, 1000),
    ).rejects.toMatchObject({
      code: 'TRANSPORT_HOST_KEY',
      message: expect.stringContaining('/nonexistent/ssh-keyscan, which is not installed'),
      hint: expect.stringContaining('openssh-client'),
    });
  });
});
