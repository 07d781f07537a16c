// A host known only through `@cert-authority` lines: its certificate is fetched (ssh-keyscan -c),
// checked against those CAs (host-cert.ts), and the key it certifies is pinned for the real
// connection, where ssh2 sees the plain key. @revoked still refuses the CA and the key.
import { CertrollError } from '../errors.js';
import { checkHostCertificate, parseHostCertificate } from './host-cert.js';
import {
  checkHostKey,
  fingerprintOf,
  type HostKeyVerdict,
  type KnownHostEntry,
} from './known-hosts.js';
import { type FetchHostCertificates } from './ssh/keyscan.js';

export interface CertificateLookup {
  /** `name (address:port)`, for messages. */
  readonly target: string;
  readonly fetch: FetchHostCertificates;
  readonly timeoutMs: number;
  /** Reached through a jump host: ssh-keyscan, which connects directly, cannot reach it. */
  readonly viaJump: boolean;
  readonly signal?: AbortSignal;
  /** Seconds since the epoch (tests). */
  readonly now?: () => number;
}

/** The key a checked certificate vouches for. */
export interface CertifiedKey {
  readonly key: Buffer;
  readonly keyType: string;
  readonly keyId: string;
  /** `file:line` of the @cert-authority line whose CA signed it. */
  readonly ca: string;
}

const at = (e: KnownHostEntry): string => `${e.source}:${e.line}`;

// As classify.ts words a transport error; not imported from there, which imports this module's
// caller (an import cycle).
const refused = (target: string, what: string, hint: string): CertrollError =>
  new CertrollError('TRANSPORT_HOST_KEY', `Host ${target}: ${what}`, { hint });

const HINT =
  'Give the host a certificate signed by a CA known_hosts trusts for it (ssh-keygen -s CA -h -n NAME), ' +
  'or list its key in known_hosts after verifying it out of band; certroll never accepts an unchecked key.';

/** Fetches and checks the host's certificate; throws TRANSPORT_HOST_KEY saying why none passed. */
export async function certifiedHostKey(
  host: string,
  port: number,
  entries: readonly KnownHostEntry[],
  o: CertificateLookup,
): Promise<CertifiedKey> {
  const caLines = entries.filter((e) => e.marker === 'cert-authority');
  const trusted = `known_hosts trusts a certificate authority for it (${caLines.map(at).join(', ')})`;
  if (o.viaJump)
    throw refused(
      o.target,
      `${trusted}, but certroll cannot fetch a host certificate through a jump host (ssh-keyscan connects directly).`,
      'List the host key itself in known_hosts (verified out of band) or pin it with hostKeyFingerprint.',
    );
  const blobs = await o.fetch(host, port, o.timeoutMs, o.signal);
  if (blobs.length === 0)
    throw refused(
      o.target,
      `${trusted}, but the host presents no host certificate (ssh-keyscan -c found none).`,
      `Set HostCertificate in the host's sshd_config. ${HINT}`,
    );
  const revoked = entries.filter((e) => e.marker === 'revoked');
  const cas = caLines.map((e) => ({ blob: e.blob, at: at(e) }));
  const now = (o.now ?? (() => Date.now() / 1000))();
  const reasons: string[] = [];
  for (const blob of blobs) {
    let cert;
    try {
      cert = parseHostCertificate(blob);
    } catch (error) {
      reasons.push((error as Error).message);
      continue;
    }
    const revokedCa = revoked.find((e) => e.blob.equals(cert.signatureKey));
    if (revokedCa !== undefined) {
      reasons.push(
        `certificate ${cert.keyId} is signed by a CA marked @revoked (${at(revokedCa)})`,
      );
      continue;
    }
    const verdict = checkHostCertificate(cert, host, cas, now);
    if ('refused' in verdict) reasons.push(verdict.refused);
    else return { key: cert.key, keyType: cert.keyType, keyId: cert.keyId, ca: verdict.ca.at };
  }
  throw refused(
    o.target,
    `SSH host certificate refused: ${reasons.join('; ')}. ${trusted.replace(/^./u, (c) => c.toUpperCase())}.`,
    HINT,
  );
}

/**
 * What known_hosts says of the presented key when a certificate vouched for the host: a @revoked
 * key is refused; the certified key matches; any other key is a changed one.
 */
export function certifiedVerdict(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
  blob: Buffer,
  certified: CertifiedKey,
): HostKeyVerdict {
  const plain = checkHostKey(entries, host, port, blob);
  if (plain.status === 'revoked') return plain;
  const fingerprint = fingerprintOf(blob);
  if (blob.equals(certified.key)) return { status: 'match', fingerprint };
  return {
    status: 'changed',
    fingerprint,
    known: [
      `${certified.ca}, by certificate ${certified.keyId} for ${fingerprintOf(certified.key)}`,
    ],
  };
}
