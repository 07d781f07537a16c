import { expect } from 'vitest';
import { type CertrollError, type ErrorCode, type ErrorDetail } from '../../../src/errors.js';
import { parseInventory, type Inventory } from '../../../src/inventory/index.js';

/** Strips the common indentation, so an inventory in a test reads like the file it stands for. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = String.raw({ raw: strings }, ...values).replace(/^\n/, '');
  const indent = Math.min(
    ...text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => /^ */.exec(l)?.[0].length ?? 0),
  );
  return text
    .split('\n')
    .map((l) => l.slice(indent))
    .join('\n');
}

export const OPTS = { home: '/home/ops', baseDir: '/srv/inv' } as const;

export function parse(text: string): Inventory {
  return parseInventory(text, 'inv.yaml', OPTS);
}

export function failure(run: () => unknown): CertrollError {
  try {
    run();
  } catch (error) {
    return error as CertrollError;
  }
  throw new Error('expected an error, got none');
}

export interface Expected {
  readonly code?: ErrorCode;
  /** undefined for problems of the text itself, which have a position but no field. */
  readonly field: string | undefined;
  readonly line: number;
  readonly column: number;
  readonly message?: RegExp;
}

/** Asserts the inventory fails with exactly one problem, at that field and position. */
export function expectProblem(text: string, want: Expected): ErrorDetail {
  const error = failure(() => parse(text));
  expect(error.name).toBe('CertrollError');
  expect(error.code).toBe(want.code ?? 'INVENTORY_INVALID');
  expect(error.details).toHaveLength(1);
  const d = error.details[0]!;
  expect({ file: d.file, field: d.field, line: d.line, column: d.column }).toEqual({
    file: 'inv.yaml',
    field: want.field,
    line: want.line,
    column: want.column,
  });
  if (want.message) expect(d.message).toMatch(want.message);
  return d;
}

/** A valid one-host inventory with `binding` (YAML lines at binding indentation) as its binding. */
export function withBinding(binding: string): string {
  const lines = binding
    .trim()
    .split('\n')
    .map((l, i) => `${i === 0 ? '      - ' : '        '}${l.trim() === '' ? '' : l}`);
  return [
    'version: 1',
    'environments:',
    '  - name: prod',
    '    hosts:',
    '      - name: web-01',
    '        address: web-01.example.com',
    '        bindings:',
    ...lines.map((l) => `    ${l}`),
    '',
  ].join('\n');
}
