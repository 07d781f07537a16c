// Reads Ansible's YAML inventory structure (groups with hosts, vars, children; host ranges like
// web[01:03]) into the `--list --export` shape, remembering where each var was written.
import { type Path } from '../paths.js';
import { emptyGroup, type AnsibleList } from './groups.js';

export interface StructureProblem {
  readonly path: Path;
  readonly message: string;
}

export interface AnsibleYaml {
  readonly list: AnsibleList;
  /** YAML path of a var's value, by group or host name and var name (the last write wins). */
  readonly groupVarPath: Map<string, Map<string, Path>>;
  readonly hostVarPath: Map<string, Map<string, Path>>;
  /** YAML path of a host's first entry. */
  readonly hostPath: Map<string, Path>;
  readonly problems: StructureProblem[];
}

const MAX_RANGE_HOSTS = 10_000;

export function readAnsibleStructure(data: unknown): AnsibleYaml {
  const out: AnsibleYaml = {
    list: { groups: new Map([['all', emptyGroup()]]), hostvars: new Map() },
    groupVarPath: new Map(),
    hostVarPath: new Map(),
    hostPath: new Map(),
    problems: [],
  };
  if (!isMap(data)) {
    out.problems.push({
      path: [],
      message: 'expected a map of groups (all: {hosts, children, vars})',
    });
    return out;
  }
  for (const [name, value] of Object.entries(data)) visitGroup(out, name, value, [name]);
  return out;
}

function visitGroup(out: AnsibleYaml, name: string, value: unknown, path: Path): void {
  const group = out.list.groups.get(name) ?? emptyGroup();
  out.list.groups.set(name, group);
  if (value === null || value === undefined) return;
  if (!isMap(value)) {
    out.problems.push({
      path,
      message: `group ${name} must be a map with hosts, children or vars`,
    });
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    const at = [...path, key];
    if (key === 'vars') {
      if (!isMap(v)) {
        if (v !== null) out.problems.push({ path: at, message: 'vars must be a map' });
        continue;
      }
      Object.assign(group.vars, v);
      const paths = out.groupVarPath.get(name) ?? new Map<string, Path>();
      for (const k of Object.keys(v)) paths.set(k, [...at, k]);
      out.groupVarPath.set(name, paths);
    } else if (key === 'hosts') {
      if (!isMap(v)) {
        if (v !== null)
          out.problems.push({ path: at, message: 'hosts must be a map of host names' });
        continue;
      }
      for (const [pattern, vars] of Object.entries(v)) {
        const names = expandHostPattern(pattern);
        if (typeof names === 'string') {
          out.problems.push({ path: [...at, pattern], message: names });
          continue;
        }
        for (const host of names) addHost(out, group, host, vars, [...at, pattern]);
      }
    } else if (key === 'children') {
      if (!isMap(v)) {
        if (v !== null)
          out.problems.push({ path: at, message: 'children must be a map of groups' });
        continue;
      }
      for (const [child, cv] of Object.entries(v)) {
        if (!group.children.includes(child)) group.children.push(child);
        visitGroup(out, child, cv, [...at, child]);
      }
    } else {
      out.problems.push({
        path: at,
        message: `unknown key ${JSON.stringify(key)} in group ${name}; expected hosts, children or vars`,
      });
    }
  }
}

function addHost(
  out: AnsibleYaml,
  group: { hosts: string[] },
  host: string,
  vars: unknown,
  path: Path,
): void {
  if (!group.hosts.includes(host)) group.hosts.push(host);
  if (!out.hostPath.has(host)) out.hostPath.set(host, path);
  const own = out.list.hostvars.get(host) ?? {};
  out.list.hostvars.set(host, own);
  if (vars === null || vars === undefined) return;
  if (!isMap(vars)) {
    out.problems.push({ path, message: `vars of host ${host} must be a map` });
    return;
  }
  Object.assign(own, vars);
  const paths = out.hostVarPath.get(host) ?? new Map<string, Path>();
  for (const k of Object.keys(vars)) paths.set(k, [...path, k]);
  out.hostVarPath.set(host, paths);
}

/** `web[01:03].example.com` → web01..web03; `[a:c]` too. A string return is a problem. */
export function expandHostPattern(pattern: string): string[] | string {
  const m = /\[([0-9]+|[a-z]):([0-9]+|[a-z])(?::([0-9]+))?\]/.exec(pattern);
  if (m === null) return [pattern];
  const [whole, from = '', to = '', stepText] = m;
  const step = stepText === undefined ? 1 : Number(stepText);
  const numeric = /^[0-9]+$/.test(from) && /^[0-9]+$/.test(to);
  const start = numeric ? Number(from) : from.charCodeAt(0);
  const end = numeric ? Number(to) : to.charCodeAt(0);
  if (step < 1 || end < start || (end - start) / step >= MAX_RANGE_HOSTS) {
    return `host range ${whole} is empty or longer than ${MAX_RANGE_HOSTS} hosts`;
  }
  const out: string[] = [];
  for (let i = start; i <= end; i += step) {
    const part = numeric ? String(i).padStart(from.length, '0') : String.fromCharCode(i);
    const rest = expandHostPattern(pattern.replace(whole, part));
    if (typeof rest === 'string') return rest;
    out.push(...rest);
    if (out.length > MAX_RANGE_HOSTS) return `host range in ${pattern} expands to too many hosts`;
  }
  return out;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
