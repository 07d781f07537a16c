// SSH keys for the lab, made with the real ssh-keygen, and known_hosts lines (plain and hashed).
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, readFileSync } from 'node:fs';
import { fingerprintOf, lookupName } from '../../src/transport/known-hosts.js';

export interface SshKey {
  readonly privatePath: string;
  readonly publicPath: string;
  /** `ssh-ed25519 AAAA...` (type and base64, no comment). */
  readonly publicKey: string;
  readonly fingerprint: string;
}

export function generateKey(
  path: string,
  type: 'ed25519' | 'ecdsa' | 'rsa' = 'ed25519',
  passphrase = '',
): SshKey {
  const bits = type === 'rsa' ? ['-b', '2048'] : [];
  execFileSync(
    'ssh-keygen',
    ['-q', '-t', type, ...bits, '-N', passphrase, '-C', 'certroll-lab', '-f', path],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  chmodSync(path, 0o600);
  const [keyType, b64] = readFileSync(`${path}.pub`, 'utf8').trim().split(/\s+/);
  if (keyType === undefined || b64 === undefined)
    throw new Error(`lab: bad public key ${path}.pub`);
  return {
    privatePath: path,
    publicPath: `${path}.pub`,
    publicKey: `${keyType} ${b64}`,
    fingerprint: fingerprintOf(Buffer.from(b64, 'base64')),
  };
}

/** `[127.x.y.z]:port ssh-ed25519 AAAA...` */
export function knownHostsLine(address: string, port: number, publicKey: string): string {
  return `${lookupName(address, port)} ${publicKey}`;
}

/** The same entry with the host name hashed as `ssh-keygen -H` does: `|1|salt|hmac-sha1`. */
export function hashedKnownHostsLine(address: string, port: number, publicKey: string): string {
  const salt = randomBytes(20);
  const hash = createHmac('sha1', salt).update(lookupName(address, port)).digest('base64');
  return `|1|${salt.toString('base64')}|${hash} ${publicKey}`;
}

/**
 * A host certificate for `hostKey` signed by `ca` with the real ssh-keygen (`-h -n NAMES -V`);
 * returns its path (`KEY-cert.pub`). Without `names`, a certificate naming no principal.
 */
export function signHostKey(
  ca: SshKey,
  hostKey: SshKey,
  o: { readonly names?: string; readonly validity?: string } = {},
): string {
  execFileSync(
    'ssh-keygen',
    [
      '-q',
      '-s',
      ca.privatePath,
      '-I',
      'certroll-lab-host',
      '-h',
      ...(o.names !== undefined ? ['-n', o.names] : []),
      '-V',
      o.validity ?? '-5m:+1h',
      hostKey.publicPath,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return `${hostKey.privatePath}-cert.pub`;
}
