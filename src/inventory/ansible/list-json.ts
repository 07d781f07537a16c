// The JSON of `ansible-inventory --list`: `_meta.hostvars` plus one entry per group with hosts,
// children and (with --export) vars.
import { CertrollError } from '../../errors.js';
import { emptyGroup, type AnsibleList } from './groups.js';

export function listFromJson(text: string, source: string): AnsibleList {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new CertrollError('INVENTORY_YAML', `not valid JSON: ${(error as Error).message}`, {
      file: source,
      cause: error,
      hint: 'Expected the output of ansible-inventory -i INVENTORY --list.',
    });
  }
  if (!isMap(raw)) throw notList(source, 'the top level is not an object');
  const list: AnsibleList = { groups: new Map([['all', emptyGroup()]]), hostvars: new Map() };
  const meta = raw['_meta'];
  const hostvars = isMap(meta) ? meta['hostvars'] : undefined;
  if (hostvars !== undefined && !isMap(hostvars))
    throw notList(source, '_meta.hostvars is not an object');
  for (const [host, vars] of Object.entries(hostvars ?? {})) {
    if (!isMap(vars)) throw notList(source, `_meta.hostvars.${host} is not an object`);
    list.hostvars.set(host, { ...vars });
  }
  for (const [name, value] of Object.entries(raw)) {
    if (name === '_meta') continue;
    if (!isMap(value)) throw notList(source, `group ${name} is not an object`);
    const group = emptyGroup();
    group.hosts = strings(value['hosts'], source, `${name}.hosts`);
    group.children = strings(value['children'], source, `${name}.children`);
    if (value['vars'] !== undefined) {
      if (!isMap(value['vars'])) throw notList(source, `${name}.vars is not an object`);
      group.vars = { ...value['vars'] };
    }
    list.groups.set(name, group);
  }
  return list;
}

function strings(value: unknown, source: string, where: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw notList(source, `${where} is not a list of names`);
  return [...(value as string[])];
}

function notList(source: string, why: string): CertrollError {
  return new CertrollError('INVENTORY_INVALID', `not ansible-inventory --list output: ${why}`, {
    file: source,
    hint: 'Produce it with: ansible-inventory -i INVENTORY --list > inventory.json',
  });
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
