// Checks a binding's `params` against its playbook's parameter schema and fills in defaults.
// Problems carry the binding's origin (inventory file and line) so the user can find them.
import { CertrollError, type ErrorDetail } from '../errors.js';
import type { BindingProblem, BindingRules } from '../inventory/checks.js';
import { type Binding } from '../inventory/model.js';
import { visible } from '../inventory/hidden-characters.js';
import { thumbprintProblem } from '../inventory/thumbprints.js';
import {
  bcInstanceNameProblem,
  remotePathProblem,
  windowsServiceNameProblem,
  type RemoteShell,
  type ValueProblem,
} from '../inventory/values.js';
import { didYouMean } from '../inventory/suggest.js';
import { type ParamSpec, type Playbook, type PlaybookRegistry } from './schema.js';

export type ParamValue = string | number | boolean | readonly string[];
export type ResolvedParams = Readonly<Record<string, ParamValue>>;

type BindingLike = Pick<Binding, 'id' | 'kind' | 'params' | 'origin'>;

/** Every problem with the binding's params (unknown, missing, wrong type, pattern mismatch). */
export function validateParams(playbook: Playbook, binding: BindingLike): ErrorDetail[] {
  const field = (name: string): string =>
    binding.origin.field !== undefined
      ? `${binding.origin.field}.params.${name}`
      : `params.${name}`;
  return paramProblems(playbook, binding.params).map((p) => ({
    ...binding.origin,
    field: field(p.param),
    message: p.message,
    ...(p.hint !== undefined ? { hint: p.hint } : {}),
  }));
}

interface ParamProblem {
  readonly param: string;
  readonly message: string;
  readonly hint?: string;
}

function paramProblems(
  playbook: Playbook,
  params: Readonly<Record<string, unknown>>,
): ParamProblem[] {
  const out: ParamProblem[] = [];
  const add = (param: string, message: string, hint?: string): void => {
    out.push({ param, message, ...(hint !== undefined ? { hint } : {}) });
  };
  const known = Object.keys(playbook.params);
  for (const name of Object.keys(params)) {
    if (!(name in playbook.params)) {
      add(
        name,
        `unknown parameter ${JSON.stringify(name)} for binding kind ${playbook.kind}`,
        `${didYouMean(name, known)}Parameters of ${playbook.kind}: ${known.join(', ') || '(none)'}.`,
      );
    }
  }
  for (const [name, spec] of Object.entries(playbook.params)) {
    const value = params[name];
    if (value === undefined || value === null) {
      if (spec.required) add(name, `missing required parameter ${name}: ${spec.description}`);
      continue;
    }
    const problem = checkParamValue(value, spec, playbook.shell);
    if (problem !== undefined) add(name, `${name}: ${problem.message}`, problem.hint);
  }
  return out;
}

/**
 * The playbooks' word on each binding, for the inventory's own validation (`inventory check`):
 * a kind without a playbook, and every problem with the params.
 */
export function bindingRules(registry: PlaybookRegistry): BindingRules {
  return (binding, context): BindingProblem[] => {
    if (!registry.has(binding.kind)) {
      return [
        {
          at: ['kind'],
          message: `binding kind ${binding.kind} has no playbook (known: ${registry.kinds.join(', ')})`,
          hint: `${didYouMean(binding.kind, registry.kinds)}Check the spelling, or add your playbook folder to the inventory (\`playbooks:\`).`,
        },
      ];
    }
    const playbook = registry.get(binding.kind);
    const coldStart = context?.coldStartCheck === true ? coldStartProblem(playbook, binding) : [];
    return [
      ...paramProblems(playbook, binding.params).map((p) => ({
        at: ['params', p.param],
        message: p.message,
        ...(p.hint !== undefined ? { hint: p.hint } : {}),
      })),
      ...coldStart,
    ];
  };
}

/**
 * The cold-start check restarts every service: what could not be restarted is refused up front
 * (by `inventory check` and by `plan`), rather than failing and rolling back halfway through.
 */
export function coldStartProblem(
  playbook: Playbook,
  binding: Pick<Binding, 'kind' | 'params'>,
): BindingProblem[] {
  if (playbook.steps.restart === undefined) {
    return [
      {
        at: ['kind'],
        message: `environment has coldStartCheck, but binding kind ${binding.kind} has no restart step; turn coldStartCheck off for it or use a kind that restarts`,
      },
    ];
  }
  if ('restartCommand' in playbook.params && binding.params['restartCommand'] === undefined) {
    const example = binding.kind === 'haproxy' ? 'haproxy' : 'nginx';
    return [
      {
        at: ['params', 'restartCommand'],
        message: `the cold-start check needs params.restartCommand (e.g. systemctl restart ${example})`,
        hint: 'Give the command that restarts the service, or turn coldStartCheck off for this environment.',
      },
    ];
  }
  return [];
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
        hint: playbook.builtin
          ? `See the parameters of ${playbook.kind} in the Built-in kinds section of docs/playbooks.md.`
          : `See the params declared in ${playbook.source}.`,
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

/**
 * Why `value` does not fit `spec` in a playbook run by `shell` (paths are absolute for that
 * shell), or undefined when it does. One rule per value type, the same ones the inventory uses.
 */
export function checkParamValue(
  value: unknown,
  spec: ParamSpec,
  shell: RemoteShell,
): ValueProblem | undefined {
  if (spec.type === 'int') {
    return typeof value === 'number' && Number.isInteger(value)
      ? undefined
      : { message: `expected an integer, got ${typeName(value)}` };
  }
  if (spec.type === 'bool') {
    return typeof value === 'boolean'
      ? undefined
      : { message: `expected true or false, got ${typeName(value)}` };
  }
  if (spec.type === 'list') return checkList(value, spec);
  if (typeof value !== 'string') {
    return { message: `expected ${TEXT_TYPES[spec.type]} (text), got ${typeName(value)}` };
  }
  return textProblem(value, spec, shell) ?? patternProblem(value, spec);
}

const TEXT_TYPES = {
  string: 'a string',
  path: 'a path',
  command: 'a command (a program name or an absolute path)',
  thumbprint: 'a thumbprint',
  'service-name': 'a Windows service name',
  'bc-instance': 'a server instance name',
} as const;

function textProblem(value: string, spec: ParamSpec, shell: RemoteShell): ValueProblem | undefined {
  switch (spec.type) {
    case 'path':
      return remotePathProblem(value, shell, 'path');
    case 'command':
      return commandProblem(value, shell);
    case 'thumbprint':
      return thumbprintProblem(value);
    case 'service-name':
      return windowsServiceNameProblem(value);
    case 'bc-instance':
      return bcInstanceNameProblem(value);
    default:
      return value.includes('\0') ? { message: 'contains a NUL character' } : undefined;
  }
}

// A program the host finds on its PATH (nginx), or an absolute path to it (/usr/sbin/nginx).
function commandProblem(value: string, shell: RemoteShell): ValueProblem | undefined {
  if (/^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}$/.test(value)) return undefined;
  if (value.startsWith('/') || /^[A-Za-z]:|^[\\/]{2}/.test(value)) {
    return remotePathProblem(value, shell, 'command path');
  }
  return {
    message: `command ${visible(value)} is neither a program name (letters, digits, . _ + -, not starting with - or .) nor an absolute path`,
    hint: 'Write the program name the host finds on its PATH (nginx) or its absolute path (/usr/sbin/nginx).',
  };
}

function patternProblem(value: string, spec: ParamSpec): ValueProblem | undefined {
  if (spec.pattern === undefined) return undefined;
  return new RegExp(`^(?:${spec.pattern})$`, 'u').test(value)
    ? undefined
    : { message: `${visible(value)} does not match ${spec.pattern}` };
}

function checkList(value: unknown, spec: ParamSpec): ValueProblem | undefined {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    return { message: `expected a list of strings, got ${typeName(value)}` };
  }
  for (const item of value) {
    if (item.includes('\0')) return { message: 'an item contains a NUL character' };
    const m = patternProblem(item, spec);
    if (m !== undefined) return m;
  }
  return undefined;
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'a map' : `${typeof value} ${JSON.stringify(value)}`;
}
