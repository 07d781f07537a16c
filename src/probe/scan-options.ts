// Command-line values of `certroll scan`, checked into the options the library takes. Every
// problem is a USAGE error naming the value; the command reports it as UNKNOWN (exit 3).
import { CertrollError } from '../errors.js';
import { printable } from '../inventory/hidden-characters.js';
import { sha256Mistake } from '../inventory/thumbprints.js';
import { MIN_PREFIX_HEX, parseFingerprintPrefix } from '../cert/fingerprint-prefix.js';

export type ScanFormat = 'table' | 'json' | 'prometheus' | 'nagios';

export const SCAN_FORMATS: readonly ScanFormat[] = ['table', 'json', 'prometheus', 'nagios'];

/** `--endpoint host:port --sni name`: one endpoint, no inventory (for an existing check). */
export interface SingleEndpoint {
  readonly address: string;
  readonly port: number;
  readonly sni: string | null;
}

export interface ScanCliValues {
  readonly inventory?: string;
  readonly endpoint?: string;
  readonly sni?: string;
  /** Only these environments and hosts (repeatable flags; every one when empty). */
  readonly env?: readonly string[];
  readonly host?: readonly string[];
  readonly expect?: string;
  readonly bundle?: string;
  /** The bundle's key and password, as every command that reads a bundle takes them. */
  readonly key?: string;
  readonly passwordFile?: string;
  readonly passwordEnv?: string;
  readonly old?: string;
  readonly warnDays?: string;
  readonly critDays?: string;
  readonly format?: string;
  readonly promFile?: string;
  readonly concurrency?: string;
  readonly trust?: readonly string[];
  readonly timeout?: string;
  readonly progress?: boolean;
  /** Also discover each host and compare the configured certificate with the one served. */
  readonly configured?: boolean;
}

export interface CheckedScanValues {
  /** The inventory file; absent with --endpoint. */
  readonly inventory?: string;
  readonly endpoint?: SingleEndpoint;
  readonly expect?: string;
  readonly old?: string;
  readonly warnDays: number;
  readonly critDays: number;
  readonly format: ScanFormat;
  readonly concurrency: number;
  readonly timeoutMs: number;
}

function usage(message: string, hint?: string): CertrollError {
  return new CertrollError('USAGE', message, hint === undefined ? {} : { hint });
}

function integer(
  value: string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw usage(`${name} ${value} is not a whole number from ${min} to ${max}`);
  }
  return Number(value);
}

function fingerprint(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  // A prefix as the scan table prints it is enough; the scan resolves it against what is served.
  // A SHA-1 thumbprint (40 hex digits) is never read as a prefix: it is the wrong hash.
  const mistake = sha256Mistake(value);
  const parsed = mistake === undefined ? parseFingerprintPrefix(value) : { why: mistake };
  if ('why' in parsed) {
    throw usage(
      `${name} ${printable(value)} is not a SHA-256 fingerprint: ${parsed.why}`,
      `Give the 64 hex digits \`certroll cert check\` prints, or at least the first ${MIN_PREFIX_HEX} as the scan table prints them (colons and case do not matter).`,
    );
  }
  return parsed.hex;
}

/**
 * `--warn-days` alone moves `--crit-days` down with it (a warning never comes after the critical
 * state); `--crit-days` given above `--warn-days` is refused, saying why.
 */
export function thresholds(
  warn: string | undefined,
  crit: string | undefined,
): { warnDays: number; critDays: number } {
  const warnDays = integer(warn, '--warn-days', 30, 0, 3650);
  const critDays = integer(crit, '--crit-days', Math.min(7, warnDays), 0, 3650);
  if (critDays > warnDays)
    throw usage(
      `--crit-days ${critDays} is more than --warn-days ${warnDays}: an endpoint would be CRITICAL before it is ever a WARNING`,
      `Give --crit-days at most ${warnDays}, or raise --warn-days.`,
    );
  return { warnDays, critDays };
}

/** `host:port`, `[v6]:port`; the SNI name as given, `none` for no SNI (the default: the host). */
function singleEndpoint(value: string, sni: string | undefined): SingleEndpoint {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(value);
  const port = Number(m?.[3]);
  const address = m?.[1] ?? m?.[2];
  if (address === undefined || !(port >= 1 && port <= 65535))
    throw usage(
      `--endpoint ${printable(value)} is not HOST:PORT`,
      'Write it as www.example.com:443, 192.0.2.10:443 or [2001:db8::1]:443.',
    );
  const isAddress = /^[\d.]+$/.test(address) || address.includes(':');
  const name = sni === undefined ? (isAddress ? null : address) : sni === 'none' ? null : sni;
  return { address, port, sni: name };
}

export function checkScanValues(v: ScanCliValues, json: boolean): CheckedScanValues {
  if (v.inventory === undefined && v.endpoint === undefined)
    throw usage(
      'scan needs an inventory (-i INVENTORY) or one endpoint (--endpoint HOST:PORT --sni NAME)',
      'See certroll scan --help.',
    );
  if (v.inventory !== undefined && v.endpoint !== undefined)
    throw usage('give -i INVENTORY or --endpoint HOST:PORT, not both');
  if (v.sni !== undefined && v.endpoint === undefined)
    throw usage('--sni goes with --endpoint HOST:PORT', 'With -i, the inventory names the SNI.');
  const endpoint = v.endpoint !== undefined ? singleEndpoint(v.endpoint, v.sni) : undefined;
  if (v.expect !== undefined && v.bundle !== undefined)
    throw usage('give --expect or --bundle, not both');
  const format = v.format ?? (json ? 'json' : 'table');
  if (!(SCAN_FORMATS as readonly string[]).includes(format)) {
    throw usage(`--format ${format} is not one of ${SCAN_FORMATS.join(', ')}`);
  }
  const { warnDays, critDays } = thresholds(v.warnDays, v.critDays);
  const expect = fingerprint(v.expect, '--expect');
  const old = fingerprint(v.old, '--old');
  return {
    ...(v.inventory !== undefined ? { inventory: v.inventory } : {}),
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(expect !== undefined ? { expect } : {}),
    ...(old !== undefined ? { old } : {}),
    warnDays,
    critDays,
    format: format as ScanFormat,
    concurrency: integer(v.concurrency, '--concurrency', 32, 1, 4096),
    timeoutMs: integer(v.timeout, '--timeout', 5000, 50, 600_000),
  };
}
