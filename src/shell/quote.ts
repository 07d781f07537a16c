// The one quoting function per shell (safety invariant 7). Every value that reaches a remote
// script passes through exactly one of these; nothing else in certroll builds shell words.
import { CertrollError } from '../errors.js';

/** POSIX sh single-quoted word: the only character that needs care inside '...' is ' itself. */
export function shQuote(value: string): string {
  rejectNul(value, 'sh');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

// PowerShell treats the typographic single quotes as quote characters too, so each of them is
// doubled like the ASCII one (a lone U+2019 would otherwise end the string).
const PS_SINGLE_QUOTES = /['\u2018\u2019\u201A\u201B]/g;

/** PowerShell single-quoted (verbatim) string: no expansion of $, `, or escapes inside. */
export function psQuote(value: string): string {
  rejectNul(value, 'powershell');
  return `'${value.replace(PS_SINGLE_QUOTES, (q) => q + q)}'`;
}

function rejectNul(value: string, shell: string): void {
  if (value.includes('\0')) {
    throw new CertrollError(
      'PLAYBOOK_INVALID',
      `a value for a ${shell} script contains a NUL character: ${JSON.stringify(value.slice(0, 80))}`,
      { hint: 'NUL cannot be passed through a shell; remove it from the inventory or parameter.' },
    );
  }
}
