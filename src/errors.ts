// One error base for all of certroll. Every error a user can cause or meet carries a code from
// the closed set below, a message that names the offending value, where it came from, and a hint
// for what to do next. The CLI maps codes to exit statuses in one place (cli/exit-codes.ts).

/** Where a bad value came from: a file position and/or a field path inside a document. */
export interface SourceLocation {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  /** Dotted/indexed path of the field, e.g. `environments[0].hosts[2].bindings[1].port`. */
  readonly field?: string;
}

/** One problem among several (an inventory can have many at once). */
export interface ErrorDetail extends SourceLocation {
  readonly message: string;
  readonly hint?: string;
}

/**
 * The closed set of error codes. `kind` drives how the CLI reports it:
 * - user: bad input or a failed check; message and hint, never a stack trace.
 * - environment: something outside certroll (a host, a lock, the network); message and hint.
 * - internal: a bug; the stack is shown with --debug.
 */
export const ERROR_CODES = {
  USAGE: 'user',
  INPUT_NOT_FOUND: 'user',
  INPUT_UNREADABLE: 'user',
  INPUT_TOO_LARGE: 'user',
  CERT_PARSE: 'user',
  CERT_PASSWORD: 'user',
  CERT_BUNDLE: 'user',
  CERT_UNSUPPORTED: 'user',
  CERT_GATE_FAILED: 'user',
  INVENTORY_YAML: 'user',
  INVENTORY_INVALID: 'user',
  PLAYBOOK_INVALID: 'user',
  PLAYBOOK_NOT_FOUND: 'user',
  PLAYBOOK_OUTPUT: 'environment',
  TRANSPORT_HOST_KEY: 'environment',
  TRANSPORT_AUTH: 'environment',
  TRANSPORT_UNREACHABLE: 'environment',
  TRANSPORT_TIMEOUT: 'environment',
  TRANSPORT_COMMAND_FAILED: 'environment',
  TRANSPORT_ABORTED: 'environment',
  PROBE_FAILED: 'environment',
  HOST_UNSUPPORTED: 'environment',
  PLAN_STALE: 'user',
  PLAN_INVALID: 'user',
  COVERAGE_GAP: 'user',
  LOCK_HELD: 'environment',
  JOURNAL_INVALID: 'user',
  RUN_NOT_FOUND: 'user',
  ABORTED: 'environment',
  INTERNAL: 'internal',
} as const satisfies Record<string, 'user' | 'environment' | 'internal'>;

export type ErrorCode = keyof typeof ERROR_CODES;
export type ErrorKind = (typeof ERROR_CODES)[ErrorCode];

export interface CertrollErrorOptions extends SourceLocation {
  readonly hint?: string;
  readonly cause?: unknown;
  readonly details?: readonly ErrorDetail[];
}

/** The JSON form written to the journal and printed by `--json`. */
export interface CertrollErrorJson {
  readonly code: ErrorCode;
  readonly message: string;
  readonly hint?: string;
  readonly location?: SourceLocation;
  readonly details?: readonly ErrorDetail[];
  readonly cause?: string;
}

export class CertrollError extends Error {
  override readonly name = 'CertrollError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly location: SourceLocation | undefined;
  readonly details: readonly ErrorDetail[];

  constructor(code: ErrorCode, message: string, options: CertrollErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    const { file, line, column, field } = options;
    this.location =
      file !== undefined || line !== undefined || field !== undefined
        ? stripUndefined({ file, line, column, field })
        : undefined;
    this.details = options.details ?? [];
  }

  get kind(): ErrorKind {
    return ERROR_CODES[this.code];
  }

  toJSON(): CertrollErrorJson {
    return stripUndefined({
      code: this.code,
      message: this.message,
      hint: this.hint,
      location: this.location,
      details: this.details.length > 0 ? this.details : undefined,
      cause: this.cause === undefined ? undefined : describeCause(this.cause),
    });
  }
}

export function isCertrollError(value: unknown): value is CertrollError {
  return value instanceof CertrollError;
}

/** `file:line:column` (whatever is known), or undefined when nothing is. */
export function formatLocation(loc: SourceLocation | undefined): string | undefined {
  if (loc === undefined) return undefined;
  const pos = [loc.file, loc.line, loc.line !== undefined ? loc.column : undefined]
    .filter((p) => p !== undefined)
    .join(':');
  const parts = [pos, loc.field].filter((p) => p !== undefined && p !== '');
  return parts.length > 0 ? parts.join(': ') : undefined;
}

/** Wrap anything thrown into a CertrollError, keeping certroll's own errors as they are. */
export function toCertrollError(value: unknown): CertrollError {
  if (isCertrollError(value)) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new CertrollError('INTERNAL', `Unexpected error: ${message}`, {
    cause: value,
    hint: 'This is a bug in certroll. Run again with --debug and report the output.',
  });
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return String(cause);
}

function stripUndefined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}
