// The host key policy: the key a server presents must be in known_hosts and/or equal the pinned
// fingerprint. Anything else (unknown, changed, revoked) is refused inside the key exchange,
// before a single authentication request leaves this machine. A host known only through a
// @cert-authority line has its certificate fetched and checked first (host-cert-check.ts).
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { certifiedHostKey, certifiedVerdict, type CertificateLookup } from './host-cert-check.js';
import {
  checkHostKey,
  entryMatches,
  knownKeyTypes,
  parseKnownHosts,
  type HostKeyVerdict,
  type KnownHostEntry,
} from './known-hosts.js';

export interface HostKeyPolicy {
  readonly knownHosts: readonly string[];
  /** `SHA256:<base64>`; when set the key must have exactly this fingerprint. */
  readonly fingerprint?: string;
}

/** What each check said of the key a server presented, and the outcome. */
export interface HostKeyDecision {
  /** The presented key, `SHA256:<base64>`. */
  readonly fingerprint: string;
  readonly accepted: boolean;
  /** What the known_hosts files said. */
  readonly knownHosts: HostKeyVerdict;
  /** The known_hosts files consulted, as the inventory names them; missing ones marked. */
  readonly files: readonly string[];
  /** The inventory's hostKeyFingerprint, when it pins one, and whether the key has it. */
  readonly pin?: { readonly fingerprint: string; readonly matched: boolean };
}

export interface HostKeyCheck {
  /** ssh2's synchronous hostVerifier: receives the key blob, returns whether to go on. */
  readonly verify: (blob: Buffer) => boolean;
  /** The last decision, for the error message when the connection was refused. */
  readonly verdict: () => HostKeyDecision | undefined;
  /** Host key algorithms to offer, from the key types known for this host (undefined: all). */
  readonly algorithms: string[] | undefined;
}

const RSA_ALGOS = ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

// Parsed files, by path, while the file is unchanged (same inode, size, mtime and ctime): a
// fleet's hosts share one known_hosts, which would otherwise be read and parsed per connection.
const parsed = new Map<string, { stamp: string; entries: KnownHostEntry[] }>();

async function readEntries(
  files: readonly string[],
): Promise<{ entries: KnownHostEntry[]; missing: Set<string> }> {
  const entries: KnownHostEntry[] = [];
  const missing = new Set<string>();
  for (const file of files) {
    // The inventory resolves paths; a `~/` that reached us still means the home folder.
    const path = file.startsWith('~/') ? join(homedir(), file.slice(2)) : file;
    let text: string;
    let stamp: string;
    try {
      const info = await stat(path);
      stamp = `${info.ino} ${info.size} ${info.mtimeMs} ${info.ctimeMs}`;
      const hit = parsed.get(path);
      if (hit !== undefined && hit.stamp === stamp) {
        entries.push(...hit.entries);
        continue;
      }
      text = await readFile(path, 'utf8');
    } catch (error) {
      // A missing known_hosts file is an empty one, as in OpenSSH; the verdict says "unknown".
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        missing.add(file);
        continue;
      }
      throw error;
    }
    const fileEntries = parseKnownHosts(text, file);
    parsed.set(path, { stamp, entries: fileEntries });
    entries.push(...fileEntries);
  }
  return { entries, missing };
}

function normalisePin(pin: string): string {
  return pin.trim().replace(/=+$/, '');
}

/**
 * The policy: a @revoked key is refused whatever the pin says; with a pin the key must have it
 * and known_hosts must not list another key for the host; without one known_hosts must list it.
 */
export function decideHostKey(
  knownHosts: HostKeyVerdict,
  files: readonly string[],
  pin: string | undefined,
): HostKeyDecision {
  const { fingerprint } = knownHosts;
  if (pin === undefined) {
    return { fingerprint, accepted: knownHosts.status === 'match', knownHosts, files };
  }
  const matched = fingerprint === pin;
  const accepted = matched && knownHosts.status !== 'revoked' && knownHosts.status !== 'changed';
  return { fingerprint, accepted, knownHosts, files, pin: { fingerprint: pin, matched } };
}

export async function loadHostKeyCheck(
  host: string,
  port: number,
  policy: HostKeyPolicy,
  certificates?: CertificateLookup,
): Promise<HostKeyCheck> {
  const { entries: all, missing } = await readEntries(policy.knownHosts);
  // Only what can decide for this host is kept for the connection's life: its own lines, and
  // every @revoked key (a revoked key is refused whichever host presents it).
  const entries = all.filter((e) => e.marker === 'revoked' || entryMatches(e, host, port));
  const files = policy.knownHosts.map((f) => (missing.has(f) ? `${f} (missing)` : f));
  const pin = policy.fingerprint === undefined ? undefined : normalisePin(policy.fingerprint);
  const types = knownKeyTypes(entries, host, port);
  const cas = entries.filter((e) => e.marker === 'cert-authority');
  // As ssh: a host's own key lines decide when there are some, and a pin decides when given; a
  // @cert-authority line alone means the host's certificate, fetched and checked first.
  const certified =
    certificates !== undefined && types.length === 0 && cas.length > 0 && pin === undefined
      ? await certifiedHostKey(host, port, entries, certificates)
      : undefined;
  let last: HostKeyDecision | undefined;
  const verify = (blob: Buffer): boolean => {
    const verdict =
      certified === undefined
        ? checkHostKey(entries, host, port, blob)
        : certifiedVerdict(entries, host, port, blob, certified);
    last = decideHostKey(verdict, files, pin);
    return last.accepted;
  };
  const offered = certified === undefined ? types : [certified.keyType];
  const algorithms =
    offered.length === 0 ? undefined : offered.flatMap((t) => (t === 'ssh-rsa' ? RSA_ALGOS : [t]));
  return { verify, verdict: () => last, algorithms };
}
