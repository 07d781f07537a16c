// known_hosts parsing and matching as OpenSSH does it: plain and hashed (`|1|salt|hash`) host
// patterns, `[host]:port` for ports other than 22, wildcards, negation, and @revoked markers.
// Pure: callers read the files.
import { createHash, createHmac } from 'node:crypto';

export interface KnownHostEntry {
  readonly marker: 'revoked' | 'cert-authority' | undefined;
  /** Comma-separated patterns, or one hashed `|1|salt|hash` name. */
  readonly hosts: string;
  readonly keyType: string;
  /** The key's wire-format blob (what the server sends during key exchange). */
  readonly blob: Buffer;
  readonly source: string;
  readonly line: number;
}

export type HostKeyVerdict =
  | { readonly status: 'match'; readonly fingerprint: string }
  | {
      readonly status: 'unknown';
      readonly fingerprint: string;
      /** `@cert-authority` lines for this host, `file:line` (host certificates: see checkHostKey). */
      readonly certAuthority?: readonly string[];
    }
  | {
      readonly status: 'changed' | 'revoked';
      readonly fingerprint: string;
      /** Where the host's other key(s) were found, `file:line`. */
      readonly known: readonly string[];
    };

/** `SHA256:<base64 without padding>`, as `ssh-keygen -l` prints it. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export function parseKnownHosts(text: string, source: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const fields = raw.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority';
      fields.shift();
    }
    const [hosts, keyType, b64] = fields;
    if (hosts === undefined || keyType === undefined || b64 === undefined) continue;
    const blob = Buffer.from(b64, 'base64');
    if (blob.length === 0) continue;
    entries.push({ marker, hosts, keyType, blob, source, line: i + 1 });
  }
  return entries;
}

/** The name OpenSSH looks up: `host`, or `[host]:port` when the port is not 22. */
export function lookupName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globMatch(pattern: string, name: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

function hashedMatch(field: string, name: string): boolean {
  const [, magic, salt, hash] = field.split('|');
  if (magic !== '1' || salt === undefined || hash === undefined) return false;
  const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
  return mac === hash;
}

/** Whether an entry's host field names `host` on `port`. */
export function entryMatches(entry: KnownHostEntry, host: string, port: number): boolean {
  const name = lookupName(host, port);
  if (entry.hosts.startsWith('|')) return hashedMatch(entry.hosts, name);
  let matched = false;
  for (const pattern of entry.hosts.split(',')) {
    const negated = pattern.startsWith('!');
    if (globMatch(negated ? pattern.slice(1) : pattern, name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** Key types known for this host, so the key exchange asks for a key we can check. */
export function knownKeyTypes(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
): string[] {
  const types = entries
    .filter((e) => e.marker === undefined && entryMatches(e, host, port))
    .map((e) => e.keyType);
  return [...new Set(types)];
}

export function checkHostKey(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
  blob: Buffer,
): HostKeyVerdict {
  const fingerprint = fingerprintOf(blob);
  const mine = entries.filter((e) => e.marker !== 'cert-authority' && entryMatches(e, host, port));
  const revoked = entries.filter((e) => e.marker === 'revoked' && e.blob.equals(blob));
  if (revoked.length > 0) {
    return { status: 'revoked', fingerprint, known: revoked.map((e) => `${e.source}:${e.line}`) };
  }
  const keys = mine.filter((e) => e.marker === undefined);
  if (keys.some((e) => e.blob.equals(blob))) return { status: 'match', fingerprint };
  if (keys.length === 0) {
    // A host vouched for by a @cert-authority line presents a certificate, which ssh2 (the SSH
    // library under certroll) cannot negotiate: it sees the host's plain key, which no CA signs
    // by itself. The certificate is checked apart (host-cert-check.ts); here the key is unknown.
    const ca = entries.filter((e) => e.marker === 'cert-authority' && entryMatches(e, host, port));
    return ca.length === 0
      ? { status: 'unknown', fingerprint }
      : { status: 'unknown', fingerprint, certAuthority: ca.map((e) => `${e.source}:${e.line}`) };
  }
  return { status: 'changed', fingerprint, known: keys.map((e) => `${e.source}:${e.line}`) };
}
