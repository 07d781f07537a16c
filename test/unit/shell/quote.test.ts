import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { psQuote, shQuote } from '../../../src/shell/quote.js';

const shells = ['/bin/sh', '/bin/dash', '/bin/bash'].filter((s) => existsSync(s));

// Any string without NUL, with shell metacharacters and non-ASCII well represented.
const hostile = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        "'",
        '"',
        '`',
        '$',
        '\\',
        '\n',
        ';',
        '&',
        '|',
        '(',
        ')',
        '*',
        '?',
        '~',
        '-',
        ' ',
        '!',
        '#',
        '{',
        '}',
        '\t',
        '\r',
        '%',
      ),
      fc.string({ unit: 'grapheme', maxLength: 4 }),
      fc.constantFrom('$(touch /tmp/x)', '`id`', "'\\''", '\u2019', '${HOME}'),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join('').replace(/\0/g, ''));

/** Runs all values through one shell invocation, NUL-separated, and returns what it printed. */
function roundTrip(shell: string, values: readonly string[]): string[] {
  const script = values.map((v) => `printf '%s\\000' ${shQuote(v)}`).join('\n');
  const r = spawnSync(shell, ['-c', script], { encoding: 'utf8', timeout: 10_000 });
  expect(r.status).toBe(0);
  return r.stdout.split('\0').slice(0, -1);
}

describe('shQuote', () => {
  it.each(shells)('round-trips any string through the real %s', (shell) => {
    // Batched: one shell process per run of fast-check samples keeps this quick.
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 1, maxLength: 40 }), (values) => {
        expect(roundTrip(shell, values)).toEqual(values);
      }),
      { numRuns: 25 },
    );
  });

  it('round-trips fixed hostile values, including a leading dash and an empty string', () => {
    const values = ['', '-n', '--', "it's", '$(touch marker)', 'a\nb', '\\', '`x`', "'''"];
    for (const shell of shells) expect(roundTrip(shell, values)).toEqual(values);
  });

  it('rejects NUL, which no shell word can hold', () => {
    expect(() => shQuote('a\0b')).toThrow(expect.objectContaining({ code: 'PLAYBOOK_INVALID' }));
  });
});

describe('psQuote', () => {
  const corpus: [string, string][] = [
    ['', "''"],
    ['plain', "'plain'"],
    ["it's", "'it''s'"],
    ['$env:PATH', "'$env:PATH'"],
    ['`n', "'`n'"],
    ['a\u2018b', "'a\u2018\u2018b'"],
    ['a\u2019b', "'a\u2019\u2019b'"],
    ['a\u201Ab', "'a\u201A\u201Ab'"],
    ['a\u201Bb', "'a\u201B\u201Bb'"],
    ["'\u2019'", "'''\u2019\u2019'''"],
    ['line\nbreak', "'line\nbreak'"],
    ['"double"', `'"double"'`],
  ];
  it.each(corpus)('quotes %j as %j', (input, expected) => {
    expect(psQuote(input)).toBe(expected);
  });

  it('leaves no single quote of any kind undoubled inside the string', () => {
    fc.assert(
      fc.property(hostile, (value) => {
        const inner = psQuote(value).slice(1, -1);
        // Remove the doubled pairs; no quote character may remain.
        expect(inner.replace(/(['\u2018\u2019\u201A\u201B])\1/g, '')).not.toMatch(
          /['\u2018\u2019\u201A\u201B]/,
        );
      }),
      { numRuns: 300 },
    );
  });

  it('rejects NUL', () => {
    expect(() => psQuote('\0')).toThrow(expect.objectContaining({ code: 'PLAYBOOK_INVALID' }));
  });
});
