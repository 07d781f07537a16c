// Command-line values of `certroll scan`, checked into the options the library takes. Every
// problem is a USAGE error naming the value; the command reports it as UNKNOWN (exit 3).
import { CertrollError } from '../errors.js';
import { printable, sha256Mistake } from '../inventory/values.js';
import { normaliseSha256 } from './cert-summary.js';

export type ScanFormat = 'table' | 'json' | 'prometheus';

export interface ScanCliValues {
  readonly inventory?: string;
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
  readonly inventory: string;
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
  const sha = normaliseSha256(value);
  if (sha === undefined) {
    const why = sha256Mistake(value);
    throw usage(
      `${name} ${printable(value)} is not a SHA-256 fingerprint${why === undefined ? '' : `: ${why}`}`,
      'Give 64 hex digits (colons and case do not matter), as `certroll cert check` prints it.',
    );
  }
  return sha;
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

export function checkScanValues(v: ScanCliValues, json: boolean): CheckedScanValues {
  if (v.inventory === undefined)
    throw usage('scan needs an inventory: -i INVENTORY', 'See certroll scan --help.');
  if (v.expect !== undefined && v.bundle !== undefined)
    throw usage('give --expect or --bundle, not both');
  const format = v.format ?? (json ? 'json' : 'table');
  if (format !== 'table' && format !== 'json' && format !== 'prometheus') {
    throw usage(`--format ${format} is not one of table, json, prometheus`);
  }
  const { warnDays, critDays } = thresholds(v.warnDays, v.critDays);
  const expect = fingerprint(v.expect, '--expect');
  const old = fingerprint(v.old, '--old');
  return {
    inventory: v.inventory,
    ...(expect !== undefined ? { expect } : {}),
    ...(old !== undefined ? { old } : {}),
    warnDays,
    critDays,
    format,
    concurrency: integer(v.concurrency, '--concurrency', 32, 1, 4096),
    timeoutMs: integer(v.timeout, '--timeout', 5000, 50, 600_000),
  };
}
