// Small helpers of the YAML reader: the error it throws and how it words what went wrong.
import { CertrollError, type ErrorDetail } from '../errors.js';
import { LIMITS } from './limits.js';
import { type Path } from './paths.js';

export function yamlError(file: string, details: ErrorDetail[], cause?: unknown): CertrollError {
  const n = details.length;
  return new CertrollError(
    'INVENTORY_YAML',
    `not valid YAML for certroll (${n} problem${n === 1 ? '' : 's'})`,
    { file, details, cause, hint: 'Fix the YAML at the position shown.' },
  );
}

export function setAt(root: unknown, path: Path, value: unknown): void {
  let cur = root as Record<string | number, unknown> | undefined;
  for (let i = 0; i < path.length - 1; i++) {
    cur = cur?.[path[i] as string] as Record<string | number, unknown> | undefined;
  }
  const last = path[path.length - 1];
  if (cur !== undefined && cur !== null && typeof cur === 'object' && last !== undefined)
    cur[last] = value;
}

export function describe(error: unknown): string {
  if (error instanceof RangeError) return `nesting too deep (${error.message})`;
  if (error instanceof Error) {
    return /excessive alias count/i.test(error.message)
      ? `too many alias expansions (more than ${LIMITS.maxAliasCount}); alias bombs are refused`
      : firstLine(error.message);
  }
  return String(error);
}

export function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

export const shortTag = (s: string): string => s.replace('tag:yaml.org,2002:', '!!');
