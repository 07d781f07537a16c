// Ansible inventories as certroll inventories: Ansible's YAML format read directly, or the JSON
// that `ansible-inventory -i X --list` prints (any source Ansible understands). Errors name the
// host and the Ansible variable, and for YAML the line and column where it was written.
import { CertrollError, type ErrorDetail } from '../../errors.js';
import { type Inventory } from '../model.js';
import { buildInventory, sha256, type ParseOptions } from '../parse.js';
import { formatPath, type Path } from '../paths.js';
import { readYaml, type Position } from '../yaml-source.js';
import { type AnsibleList, type EffectiveHost } from './groups.js';
import { listFromJson } from './list-json.js';
import { mapAnsible, type MappedAnsible } from './map.js';
import { readAnsibleIni } from './ini.js';
import { fromYamlStructure, type AnsibleSource } from './source.js';
import { readAnsibleStructure } from './yaml-structure.js';

// Fields of a certroll transport and the Ansible variable each comes from.
const TRANSPORT_VARS: Record<string, string> = {
  kind: 'ansible_connection',
  port: 'ansible_port',
  user: 'ansible_user',
  identityFile: 'ansible_ssh_private_key_file',
  sudo: 'ansible_become',
  proxyJump: 'ansible_ssh_common_args',
};

interface Target {
  readonly host?: EffectiveHost;
  readonly varName?: string;
  readonly rest: Path;
}

/** Ansible's YAML inventory format (all/children/hosts/vars). */
export function parseAnsibleYaml(
  text: string,
  source: string,
  options: AnsibleParseOptions = {},
): Inventory {
  return parseAnsibleSource(readAnsibleYamlSource(text, source), source, text, options);
}

/** Ansible's INI inventory format, read as Ansible's ini plugin reads it (no Ansible needed). */
export function parseAnsibleIni(
  text: string,
  source: string,
  options: AnsibleParseOptions = {},
): Inventory {
  return parseAnsibleSource(readAnsibleIni(text, source), source, text, options);
}

export function readAnsibleYamlSource(text: string, source: string): AnsibleSource {
  const yaml = readYaml(text, source, { extraTags: ['!vault', '!unsafe'] });
  return fromYamlStructure(readAnsibleStructure(yaml.value), source, yaml.locate, yaml.lexical);
}

export interface AnsibleParseOptions extends ParseOptions {
  /** Applies group_vars/ and host_vars/ to the inventory read (the loader reads the files). */
  readonly varsFiles?: (source: AnsibleSource) => void;
  /** Receives the certroll inventory (plain data) the Ansible one maps to (`inventory import`). */
  readonly onCertrollData?: (data: unknown) => void;
}

/** An Ansible inventory already read (INI or YAML) to certroll's model, with every problem. */
export function parseAnsibleSource(
  read: AnsibleSource,
  source: string,
  text: string,
  options: AnsibleParseOptions = {},
): Inventory {
  options.varsFiles?.(read);
  const position = (t: Target): Position | undefined => {
    if (t.host === undefined) return undefined;
    const hostAt = read.hostAt.get(t.host.name)?.([], 'key');
    if (t.varName === undefined) return hostAt;
    const from = t.host.sources.get(t.varName);
    const where =
      from === undefined
        ? undefined
        : 'group' in from
          ? read.groupVarAt.get(from.group)?.get(t.varName)
          : read.hostVarAt.get(from.host)?.get(t.varName);
    // A host itself is shown where its name is written; a variable where its value is.
    return where === undefined ? hostAt : where(t.rest, 'value');
  };
  return finish(read.list, source, options.digest ?? sha256(text), options, {
    early: read.problems,
    lexical: read.lexical,
    position,
  });
}

/** The JSON printed by `ansible-inventory -i X --list` (with or without --export). */
export function parseAnsibleList(
  text: string,
  source: string,
  options: AnsibleParseOptions = {},
): Inventory {
  const list = listFromJson(text, source);
  return finish(list, source, options.digest ?? sha256(text), options, {
    early: [],
    lexical: [],
    position: () => undefined,
  });
}

function finish(
  list: AnsibleList,
  source: string,
  digest: string,
  options: AnsibleParseOptions,
  where: {
    early: readonly ErrorDetail[];
    lexical: readonly ErrorDetail[];
    position: (t: Target) => Position | undefined;
  },
): Inventory {
  const mapped = mapAnsible(list);
  const details = [...where.early];
  for (const p of mapped.problems) {
    const t: Target = {
      ...(p.host && { host: p.host }),
      ...(p.varName && { varName: p.varName }),
      rest: [],
    };
    details.push(detail(source, where.position(t), name(t), p.message, p.hint));
  }
  if (details.length > 0) {
    throw new CertrollError(
      'INVENTORY_INVALID',
      `${details.length} problem${details.length === 1 ? '' : 's'} in the Ansible inventory`,
      {
        file: source,
        details,
        hint: 'certroll reads hosts with a certroll_bindings variable; see the Ansible inventories section of docs/inventory.md.',
      },
    );
  }
  options.onCertrollData?.(mapped.data);
  return buildInventory(
    {
      source,
      digest,
      data: mapped.data,
      lexical: where.lexical,
      locate: (path) => where.position(target(mapped, path)),
      fieldName: (path) => name(target(mapped, path)),
    },
    options,
  );
}

// Which host and Ansible variable a certroll path was made from.
function target(mapped: MappedAnsible, path: Path): Target {
  const [top, e, section, h, field, sub] = path;
  if (top !== 'environments' || typeof e !== 'number') {
    const first = mapped.hostAt(0, 0);
    return top === 'playbooks' && first
      ? { host: first, varName: 'certroll_playbooks', rest: path.slice(1) }
      : { rest: path };
  }
  if (section === 'name')
    return { ...hostOf(mapped, e, 0), varName: 'certroll_environment', rest: [] };
  if (section === 'policy')
    return { ...hostOf(mapped, e, 0), varName: 'certroll_policy', rest: path.slice(3) };
  if (section !== 'hosts' || typeof h !== 'number') return { ...hostOf(mapped, e, 0), rest: [] };
  const host = hostOf(mapped, e, h);
  const rest = path.slice(5);
  switch (field) {
    case 'address':
      return { ...host, varName: 'ansible_host', rest: [] };
    case 'bindings':
      return { ...host, varName: 'certroll_bindings', rest };
    case 'exclude':
      return { ...host, varName: 'certroll_exclude', rest };
    case 'legacyPfx':
      return { ...host, varName: 'certroll_legacy_pfx', rest: [] };
    case 'stateDir':
      return { ...host, varName: 'certroll_state_dir', rest: [] };
    case 'transport': {
      const own = host.host?.vars['certroll_transport'];
      const inOwn =
        typeof sub === 'string' && own !== null && typeof own === 'object' && sub in own;
      if (inOwn || sub === undefined || TRANSPORT_VARS[sub] === undefined)
        return { ...host, varName: 'certroll_transport', rest };
      return { ...host, varName: TRANSPORT_VARS[sub], rest: [] };
    }
    default:
      return { ...host, rest: [] };
  }
}

function hostOf(mapped: MappedAnsible, e: number, h: number): { host?: EffectiveHost } {
  const host = mapped.hostAt(e, h);
  return host === undefined ? {} : { host };
}

function name(t: Target): string {
  if (t.host === undefined) return formatPath(t.rest);
  const v = t.varName === undefined ? '' : `.${formatPath([t.varName, ...t.rest])}`;
  return `hostvars[${t.host.name}]${v}`;
}

function detail(
  file: string,
  pos: Position | undefined,
  field: string,
  message: string,
  hint?: string,
): ErrorDetail {
  return {
    file,
    ...(pos !== undefined && { line: pos.line, column: pos.column }),
    ...(pos?.file !== undefined && { file: pos.file }),
    ...(field !== '' && { field }),
    message,
    ...(hint !== undefined && { hint }),
  };
}
