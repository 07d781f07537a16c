// The inventory's scalar field types as zod schemas, each with a message that names what is
// expected. Names that reach a shell, a lock file or a TLS handshake are narrow on purpose.
import { z } from 'zod';
import { thumbprintProblem } from './thumbprints.js';
import { DURATION, durationMs } from './duration.js';
import { isDnsName } from './dns-name.js';

// C0/C1 controls and DEL; invisible formatting characters (bidi marks, zero-width, BOM, soft
// hyphen) that sneak in when text is copied out of a GUI such as the Windows certificate MMC.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
const INVISIBLE = /[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/u;

export function hiddenCharacter(s: string): string | undefined {
  const m = CONTROL.exec(s) ?? INVISIBLE.exec(s);
  if (m === null) return undefined;
  const cp = m[0].codePointAt(0) ?? 0;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

const shown = (input: unknown): string =>
  typeof input === 'string' ? JSON.stringify(input) : String(input);

/** Any text field: non-empty, no control or invisible characters. */
export function text(what: string, max = 1024): z.ZodString {
  return z
    .string({ error: `expected ${what} as a string` })
    .min(1, { error: `expected ${what}, got an empty string` })
    .max(max, { error: `${what} is longer than ${max} characters` })
    .refine((s) => hiddenCharacter(s) === undefined, {
      error: (iss) =>
        `${what} contains the hidden character ${hiddenCharacter(String(iss.input))}; retype it`,
    });
}

export { isDnsName };

export function isIPv4(s: string): boolean {
  return z.ipv4().safeParse(s).success;
}

export function isIPv6(s: string): boolean {
  return z.ipv6().safeParse(s).success;
}

export const hostName = z.string({ error: 'expected a host name as a string' }).refine(isDnsName, {
  error: (iss) =>
    `expected an RFC 1123 host name (letters, digits, hyphens, dot-separated labels), got ${shown(iss.input)}`,
});

export const address = z
  .string({ error: 'expected an address as a string' })
  .refine((s) => isIPv4(s) || isIPv6(s) || isDnsName(s), {
    error: (iss) =>
      `expected an IPv4 address, an IPv6 address or a DNS name, got ${shown(iss.input)}`,
  });

export const sniName = z
  .string({ error: 'expected an SNI name as a string' })
  .superRefine((s, ctx) => {
    if (isIPv4(s) || isIPv6(s)) {
      ctx.addIssue({
        code: 'custom',
        message: `SNI must be a DNS name, never an IP address (got ${s}); use sni: none if clients send no name`,
      });
    } else if (s.includes('*')) {
      ctx.addIssue({
        code: 'custom',
        message: `SNI must be a concrete name that clients send, not a wildcard (got ${s})`,
      });
    } else if (!isDnsName(s)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a DNS name (ASCII; IDNs in punycode, xn--...), got ${shown(s)}`,
      });
    }
  });

export const port = z
  .number({
    error: (iss) =>
      typeof iss.input === 'string'
        ? `expected an integer port 1-65535, got the string ${shown(iss.input)}; write it without quotes, in decimal`
        : `expected an integer port 1-65535, got ${shown(iss.input)}`,
  })
  .int({ error: (iss) => `expected an integer port 1-65535, got ${shown(iss.input)}` })
  .min(1, { error: (iss) => `expected a port 1-65535, got ${shown(iss.input)}` })
  .max(65535, { error: (iss) => `expected a port 1-65535, got ${shown(iss.input)}` });

export function count(what: string, min: number): z.ZodNumber {
  return z
    .number({ error: (iss) => `expected ${what} as an integer, got ${shown(iss.input)}` })
    .int({ error: (iss) => `expected ${what} as an integer, got ${shown(iss.input)}` })
    .min(min, { error: (iss) => `expected ${what} of at least ${min}, got ${shown(iss.input)}` })
    .max(100000, { error: (iss) => `${what} ${shown(iss.input)} is implausibly large` });
}

export const thumbprint = z
  .string({ error: 'expected a thumbprint (40 hex digits) as a string' })
  .superRefine((s, ctx) => {
    const problem = thumbprintProblem(s);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: `${problem.message}. ${problem.hint ?? ''}`.trim() });
    }
  });

export const hostKeyFingerprint = z
  .string({ error: 'expected a host key fingerprint as a string' })
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, {
    error: (iss) =>
      `expected an SSH host key fingerprint SHA256:<43 base64 characters> (as ssh-keygen -lf prints it), got ${shown(iss.input)}`,
  });

// The duration syntax lives apart (no zod) so the CLI's option parsers share it at no cost.
export { DURATION, durationMs };

export const duration = z
  .string({
    error: (iss) => `expected a duration such as 30s, 5m, 1h or 1h30m, got ${shown(iss.input)}`,
  })
  .refine((s) => s !== '' && DURATION.test(s) && durationMs(s) <= 7 * 24 * 3600 * 1000, {
    error: (iss) =>
      `expected a duration such as 30s, 5m, 1h or 1h30m (at most a week), got ${shown(iss.input)}`,
  });

// Only `~` and `~/...` are expanded (to the home folder of the user running certroll).
export const filePath = text('a file path', 4096).refine((s) => !/^~[^/]/.test(s), {
  error: (iss) =>
    `${JSON.stringify(iss.input)}: only ~ and ~/ are expanded, not ~user; write the full path`,
});

/**
 * A folder on the remote host, kept as written. Whether it is absolute, and how, depends on the
 * host's shell: resolve.ts checks it with remotePathProblem once the transport is known.
 */
export const remoteDir = z
  .string({ error: 'expected a folder on the host as a string' })
  .max(1024, { error: 'a folder on the host is longer than 1024 characters' });

export const envVarName = z
  .string({ error: 'expected an environment variable name' })
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, {
    error: (iss) =>
      `expected an environment variable name like WINRM_PASSWORD, got ${shown(iss.input)}`,
  });

// Names that end up in lock files, journal paths and log fields.
export const environmentName = z
  .string({ error: 'expected an environment name as a string' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, {
    error: (iss) =>
      `expected an environment name of letters, digits, '.', '_' or '-' (not starting with one of those), got ${shown(iss.input)}`,
  });

export const kindName = z
  .string({ error: 'expected a binding kind (a playbook name) as a string' })
  .regex(/^[a-z][a-z0-9-]{0,62}$/, {
    error: (iss) =>
      `expected a binding kind such as nginx, haproxy, netsh-http, iis, bc-service-tier, pem-files or windows-service, got ${shown(iss.input)}`,
  });

export const userName = z
  .string({ error: 'expected a user name as a string' })
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.@\\-]{0,127}$/, {
    error: (iss) =>
      `expected a user name of letters, digits, '.', '_', '-', '@' or DOMAIN\\user (not starting with '-'), got ${shown(iss.input)}`,
  });

export const bindingId = z
  .string({ error: 'expected a binding id as a string' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:/#-]{0,127}$/, {
    error: (iss) =>
      `expected a binding id of letters, digits and . _ : / # -, got ${shown(iss.input)}`,
  });
