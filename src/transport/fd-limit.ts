// How many connections the transport pool may hold open at once. Each SSH connection is a file
// descriptor; a fleet larger than the open-file limit would otherwise end in EMFILE. The pool takes
// half of the limit: the other half is for TLS probes (up to 16 per host at the policy's
// concurrency), the files certroll reads and writes, and the journal.
import { readFileSync } from 'node:fs';
import { CertrollError } from '../errors.js';

export const MAX_CONNECTIONS_ENV = 'CERTROLL_MAX_CONNECTIONS';

/** Used where the limit cannot be read or is unlimited. */
export const FALLBACK_MAX_OPEN = 1024;

/**
 * The pool's default limit from the text of `/proc/self/limits` (undefined: unreadable) and the
 * environment, where CERTROLL_MAX_CONNECTIONS overrides it.
 */
export function defaultMaxOpen(
  limitsText: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): number {
  const override = env[MAX_CONNECTIONS_ENV];
  // An empty value is how a shell unsets a variable for one command: treat it as unset.
  if (override !== undefined && override.trim() !== '') return parseOverride(override);
  const limit = softOpenFileLimit(limitsText);
  if (limit === undefined) return FALLBACK_MAX_OPEN;
  return Math.max(16, Math.floor(limit / 2) - 64);
}

/** The soft "Max open files" limit, or undefined when unknown or unlimited. */
export function softOpenFileLimit(limitsText: string | undefined): number | undefined {
  // Columns: name, soft limit, hard limit, units.
  const soft = /^Max open files\s+(\S+)/m.exec(limitsText ?? '')?.[1];
  if (soft === undefined || !/^\d+$/.test(soft)) return undefined;
  const n = Number(soft);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** This process's `/proc/self/limits`, or undefined off Linux or when it cannot be read. */
export function readProcessLimits(): string | undefined {
  try {
    // Read when a pool is made, not at import: Node raises the soft limit during start-up.
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
}

function parseOverride(value: string): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new CertrollError(
      'USAGE',
      `${MAX_CONNECTIONS_ENV}=${JSON.stringify(value)} is not a valid connection limit: ` +
        'expected a positive integer (the most SSH connections certroll keeps open at once).',
      {
        hint:
          `Set ${MAX_CONNECTIONS_ENV} to a whole number of 1 or more (e.g. 500), ` +
          'or unset it to use half the open-file limit.',
      },
    );
  }
  return n;
}
