import { describe, expect, it } from 'vitest';
import { CertrollError, ERROR_CODES, formatLocation, toCertrollError } from '../../src/errors.js';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import { reportError } from '../../src/cli/report-error.js';
import { type CliIo } from '../../src/cli/io.js';

function captureIo(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    isTTY: false,
    env: {},
    cwd: '/',
  };
}

describe('CertrollError', () => {
  it('serialises code, message, hint, location and cause to JSON', () => {
    const e = new CertrollError('INVENTORY_INVALID', 'port 70000 is out of range', {
      file: 'inv.yaml',
      line: 12,
      column: 9,
      field: 'environments[0].hosts[0].bindings[0].port',
      hint: 'Use an integer from 1 to 65535.',
      cause: new RangeError('boom'),
    });
    expect(JSON.parse(JSON.stringify(e))).toEqual({
      code: 'INVENTORY_INVALID',
      message: 'port 70000 is out of range',
      hint: 'Use an integer from 1 to 65535.',
      location: {
        file: 'inv.yaml',
        line: 12,
        column: 9,
        field: 'environments[0].hosts[0].bindings[0].port',
      },
      cause: 'RangeError: boom',
    });
  });

  it('formats a location as file:line:column: field', () => {
    expect(formatLocation({ file: 'a.yaml', line: 3, column: 4, field: 'x.y' })).toBe(
      'a.yaml:3:4: x.y',
    );
    expect(formatLocation({ field: 'x' })).toBe('x');
    expect(formatLocation(undefined)).toBeUndefined();
  });

  it('maps every code to an exit status', () => {
    for (const code of Object.keys(ERROR_CODES) as (keyof typeof ERROR_CODES)[]) {
      expect(exitCodeFor(code)).toBeTypeOf('number');
    }
    expect(exitCodeFor('USAGE')).toBe(64);
    expect(exitCodeFor('CERT_GATE_FAILED')).toBe(1);
  });

  it('wraps a foreign error as INTERNAL and shows its stack only with --debug', () => {
    const foreign = new TypeError('x is undefined');
    expect(toCertrollError(foreign).code).toBe('INTERNAL');
    const quiet = captureIo();
    expect(reportError(foreign, quiet, { json: false, debug: false })).toBe(70);
    expect(quiet.err.join('')).not.toContain('TypeError: x is undefined\n    at');
    const loud = captureIo();
    reportError(foreign, loud, { json: false, debug: true });
    expect(loud.err.join('')).toMatch(/TypeError: x is undefined\n\s+at /);
  });

  it('reports a user error with its location, details and hint but no stack', () => {
    const io = captureIo();
    const e = new CertrollError('INVENTORY_INVALID', '2 problems', {
      file: 'inv.yaml',
      hint: 'Fix them.',
      details: [{ file: 'inv.yaml', line: 2, column: 3, field: 'a', message: 'bad a' }],
    });
    expect(reportError(e, io, { json: false, debug: true })).toBe(65);
    const text = io.err.join('');
    expect(text).toContain('certroll: error [INVENTORY_INVALID]: inv.yaml: 2 problems');
    expect(text).toContain('inv.yaml:2:3: a: bad a');
    expect(text).toContain('hint: Fix them.');
    expect(text).not.toMatch(/\n\s+at /);
  });

  it('prints the error as JSON on stdout with --json', () => {
    const io = captureIo();
    reportError(new CertrollError('LOCK_HELD', 'held'), io, { json: true, debug: false });
    expect(JSON.parse(io.out.join(''))).toMatchObject({
      ok: false,
      exitCode: 75,
      error: { code: 'LOCK_HELD' },
    });
  });
});
