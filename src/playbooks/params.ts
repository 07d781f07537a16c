// Checks a binding's `params` against its playbook's parameter schema and fills in defaults.
// Problems carry the binding's origin (inventory file and line) so the user can find them.
import { CertrollError, type ErrorDetail } from '../errors.js';
import { type Binding } from '../inventory/model.js';
import { type ParamSpec, type Playbook } from './schema.js';

export type ParamValue = string | number | boolean | readonly string[];
export type ResolvedParams = Readonly<Record<string, ParamValue>>;

type BindingLike = Pick<Binding, 'id' | 'kind' | 'params' | 'origin'>;

/** Every problem with the binding's params (unknown, missing, wrong type, pattern mismatch). */
export function validateParams(playbook: Playbook, binding: BindingLike): ErrorDetail[] {
  const errors: ErrorDetail[] = [];
  const field = (name: string): string =>
    binding.origin.field !== undefined
      ? `${binding.origin.field}.params.${name}`
      : `params.${name}`;
  const add = (name: string, message: string, hint?: string): void => {
    errors.push({ ...binding.origin, field: field(name), message, ...(hint ? { hint } : {}) });
  };
  for (const name of Object.keys(binding.params)) {
    if (!(name in playbook.params)) {
      add(
        name,
        `unknown parameter ${JSON.stringify(name)} for binding kind ${playbook.kind}`,
        `Parameters of ${playbook.kind}: ${Object.keys(playbook.params).join(', ') || '(none)'}.`,
      );
    }
  }
  for (const [name, spec] of Object.entries(playbook.params)) {
    const value = binding.params[name];
    if (value === undefined || value === null) {
      if (spec.required) add(name, `missing required parameter ${name}: ${spec.description}`);
      continue;
    }
    const problem = checkParamValue(value, spec);
    if (problem !== undefined) add(name, `${name}: ${problem}`);
  }
  return errors;
}

/** The binding's params with defaults applied; PLAYBOOK_INVALID listing every problem. */
export function resolveParams(playbook: Playbook, binding: BindingLike): ResolvedParams {
  const errors = validateParams(playbook, binding);
  if (errors.length > 0) {
    const first = errors[0];
    throw new CertrollError(
      'PLAYBOOK_INVALID',
      `Binding ${binding.id} (${playbook.kind}): ${first?.message ?? 'invalid params'}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`,
      {
        ...binding.origin,
        details: errors,
        hint: `See the parameters of ${playbook.kind} in docs/playbooks.md.`,
      },
    );
  }
  const out: Record<string, ParamValue> = {};
  for (const [name, spec] of Object.entries(playbook.params)) {
    const value = binding.params[name] ?? spec.default;
    if (value !== undefined && value !== null) out[name] = value as ParamValue;
  }
  return out;
}

/** Why `value` does not fit `spec`, or undefined when it does. */
export function checkParamValue(value: unknown, spec: ParamSpec): string | undefined {
  const pattern = spec.pattern === undefined ? undefined : new RegExp(`^(?:${spec.pattern})$`, 'u');
  const matches = (s: string): string | undefined =>
    pattern !== undefined && !pattern.test(s)
      ? `${JSON.stringify(s)} does not match ${spec.pattern}`
      : undefined;
  switch (spec.type) {
    case 'string':
    case 'path':
      if (typeof value !== 'string')
        return `expected a ${spec.type} (text), got ${typeName(value)}`;
      if (value.includes('\0')) return 'contains a NUL character';
      if (spec.type === 'path' && value === '') return 'a path cannot be empty';
      return matches(value);
    case 'thumbprint':
      if (typeof value !== 'string' || !/^[0-9A-Fa-f]{40}$/.test(value)) {
        return `expected a SHA-1 thumbprint (40 hex digits), got ${JSON.stringify(value)}`;
      }
      return matches(value);
    case 'int':
      return typeof value === 'number' && Number.isInteger(value)
        ? undefined
        : `expected an integer, got ${typeName(value)}`;
    case 'bool':
      return typeof value === 'boolean'
        ? undefined
        : `expected true or false, got ${typeName(value)}`;
    case 'list':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
        return `expected a list of strings, got ${typeName(value)}`;
      }
      for (const item of value) {
        if (item.includes('\0')) return 'an item contains a NUL character';
        const m = matches(item);
        if (m !== undefined) return m;
      }
      return undefined;
  }
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'a map' : `${typeof value} ${JSON.stringify(value)}`;
}
