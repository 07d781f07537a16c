// Turns zod issues and certroll's own checks into ErrorDetails that name file:line:column, the
// field path, and what is expected, so one run of `inventory check` shows every problem.
import { type z } from 'zod';
import { type ErrorDetail } from '../errors.js';
import { formatPath, type Path } from './paths.js';
import { didYouMean } from './suggest.js';
import { type Position } from './yaml-source.js';

export type Locate = (path: Path, of?: 'key' | 'value') => Position | undefined;

export interface DetailSink {
  add(path: Path, message: string, hint?: string, of?: 'key' | 'value'): void;
  readonly details: ErrorDetail[];
  /** How a path is named in messages (Ansible inventories name the host var instead). */
  fieldName(path: Path): string;
}

export function detailSink(
  file: string,
  locate: Locate,
  fieldName: (path: Path) => string = formatPath,
): DetailSink {
  const details: ErrorDetail[] = [];
  return {
    details,
    fieldName,
    add(path, message, hint, of = 'value') {
      const pos = locate(path, of);
      details.push(
        stripUndefined({
          file: pos?.file ?? file,
          line: pos?.line,
          column: pos?.column,
          field: fieldName(path),
          message,
          hint,
        }),
      );
    },
  };
}

/**
 * Adds one detail per zod issue, skipping paths that already have a (more precise) problem.
 * `fieldsAt` names the fields allowed where an unknown one was found, for a "did you mean".
 */
export function addZodIssues(
  sink: DetailSink,
  issues: readonly z.core.$ZodIssue[],
  data: unknown,
  fieldsAt: (path: readonly PropertyKey[]) => readonly string[] = () => [],
): void {
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const known = fieldsAt(path);
      for (const k of issue.keys) {
        sink.add(
          [...path, k],
          `unknown field ${JSON.stringify(k)}`,
          `${didYouMean(k, known)}Check the spelling; see \`certroll inventory schema\` for the fields allowed here.`,
          'key',
        );
      }
      continue;
    }
    if (isMissing(data, path)) {
      const name = path[path.length - 1];
      sink.add(path, `missing required field ${String(name)}: ${issue.message}`);
      continue;
    }
    if (issue.code === 'invalid_key') {
      sink.add(path, `invalid key: ${issue.issues[0]?.message ?? issue.message}`, undefined, 'key');
      continue;
    }
    sink.add(path, friendly(issue, valueAt(data, path)));
  }
}

const KINDS: Record<string, string> = {
  object: 'a map of fields (key: value)',
  array: 'a list',
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
};

// zod's own wording ("Invalid input: expected object, received null") is for programmers.
function friendly(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.code !== 'invalid_type' || !issue.message.startsWith('Invalid input')) {
    return issue.message;
  }
  if (issue.path.length === 0 && (value === null || value === undefined)) {
    return 'the inventory is empty; it starts with version: 1 and environments:';
  }
  const got =
    value === null
      ? 'nothing (null)'
      : Array.isArray(value)
        ? 'a list'
        : (KINDS[typeof value] ?? typeof value);
  return `expected ${KINDS[issue.expected] ?? issue.expected}, got ${got}`;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = data;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

function isMissing(data: unknown, path: Path): boolean {
  let cur: unknown = data;
  for (let i = 0; i < path.length - 1; i++) {
    if (cur === null || typeof cur !== 'object') return false;
    cur = (cur as Record<string | number, unknown>)[path[i] as string | number];
  }
  const last = path[path.length - 1];
  if (last === undefined || cur === null || typeof cur !== 'object') return false;
  return !Object.prototype.hasOwnProperty.call(cur, last);
}

export function stripUndefined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}
