// Listening TCP sockets from `ss -Htlnp` or, where ss is missing, /proc/net/tcp and tcp6.
import { type Listener } from '../types.js';

const MAX_LINES = 100_000;

/** Splits `addr:port`, `[v6]:port`, `*:port`, `addr%iface:port` into address and port. */
export function splitHostPort(text: string): { address: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^\s]*?)):(\d+)$/.exec(text);
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  let address = (m[1] ?? m[2] ?? '').replace(/%.*$/, '');
  if (address === '*' || address === '') address = '0.0.0.0';
  if (address.startsWith('::ffff:') && address.includes('.')) address = address.slice(7);
  return { address, port };
}

/** `ss -Htln[p]` lines: `LISTEN 0 511 0.0.0.0:443 0.0.0.0:* users:(("nginx",pid=1,fd=6))`. */
export function parseSs(text: string): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split('\n').slice(0, MAX_LINES)) {
    const cols = line.trim().split(/\s+/);
    // With -H there is no header; the state column is present for -l (LISTEN).
    const start = cols[0] === 'LISTEN' ? 1 : 0;
    const local = cols[start + 2];
    if (local === undefined || !/^\d+$/.test(cols[start] ?? '')) continue;
    const hp = splitHostPort(local);
    if (hp === undefined) continue;
    const proc = /users:\(\("([^"]+)"/.exec(line)?.[1];
    const pids = [...line.matchAll(/",pid=(\d+)/g)].map((m) => Number(m[1]));
    out.push({
      ...hp,
      ...(proc !== undefined ? { process: proc } : {}),
      ...(pids.length > 0 ? { pids } : {}),
    });
  }
  return dedupe(out);
}

function hexToIpv4(hex: string): string {
  // /proc prints the address as a host-order (little-endian on x86/arm) 32-bit word.
  const bytes = [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return bytes.join('.');
}

function hexToIpv6(hex: string): string {
  const groups: string[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    const le = [6, 4, 2, 0].map((i) => word.slice(i, i + 2)).join('');
    groups.push(le.slice(0, 4), le.slice(4, 8));
  }
  const full = groups.map((g) => parseInt(g, 16).toString(16)).join(':');
  if (/^0:0:0:0:0:ffff:/.test(full)) {
    const v4 = groups.slice(6).join('');
    return [0, 2, 4, 6].map((i) => parseInt(v4.slice(i, i + 2), 16)).join('.');
  }
  return compressIpv6(full);
}

function compressIpv6(full: string): string {
  const parts = full.split(':');
  let best = { start: -1, len: 0 };
  for (let i = 0; i < parts.length;) {
    if (parts[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < parts.length && parts[j] === '0') j++;
    if (j - i > best.len) best = { start: i, len: j - i };
    i = j;
  }
  if (best.len < 2) return full;
  const head = parts.slice(0, best.start).join(':');
  const tail = parts.slice(best.start + best.len).join(':');
  return `${head}::${tail}`;
}

/** /proc/net/tcp or tcp6: rows in state 0A (LISTEN). */
export function parseProcNetTcp(text: string): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split('\n').slice(0, MAX_LINES)) {
    const cols = line.trim().split(/\s+/);
    const local = cols[1];
    if (cols[3] !== '0A' || local === undefined) continue;
    const [hex, portHex] = local.split(':');
    if (hex === undefined || portHex === undefined) continue;
    const port = parseInt(portHex, 16);
    if (hex.length === 8) out.push({ address: hexToIpv4(hex), port });
    else if (hex.length === 32) out.push({ address: hexToIpv6(hex), port });
  }
  return dedupe(out);
}

/** One listener per address and port; the pids of each copy are kept (reuseport sockets). */
function dedupe(list: Listener[]): Listener[] {
  const seen = new Map<string, Listener>();
  for (const l of list) {
    const key = `${l.address}|${l.port}`;
    const prev = seen.get(key);
    const keep = prev === undefined || (prev.process === undefined && l.process !== undefined);
    const next = keep ? l : prev;
    const pids = [...new Set([...(prev?.pids ?? []), ...(l.pids ?? [])])];
    seen.set(key, pids.length > 0 ? { ...next, pids } : next);
  }
  return [...seen.values()];
}

const WILDCARDS = new Set(['0.0.0.0', '::']);
export const isWildcard = (address: string): boolean => WILDCARDS.has(address);
export const isLoopback = (address: string): boolean =>
  address.startsWith('127.') || address === '::1';
