// Ansible's INI inventory format read as Ansible's own `ini` inventory plugin reads it, without
// Ansible: `[group]` sections of host lines (`name[:port] key=value ...`, split like a shell line
// with shlex), `[group:vars]` of `key=value`, `[group:children]` of group names, host ranges, and
// hosts before any section in `ungrouped`. Values are read as Ansible reads them (Python literals:
// 22 is a number, True a boolean, anything else text).
import { split as shlexSplit } from 'shlex';
import { type Position } from '../yaml-source.js';
import { emptyGroup, type AnsibleGroup } from './groups.js';
import { type AnsibleSource, type Where } from './source.js';
import { expandHostPattern } from './yaml-structure.js';

type SectionKind = 'hosts' | 'vars' | 'children';

interface Section {
  readonly group: string;
  readonly kind: SectionKind;
  readonly line: number;
}

const MAX_LINES = 200_000;

export function readAnsibleIni(text: string, file: string): AnsibleSource {
  const out: AnsibleSource = {
    list: { groups: new Map([['all', emptyGroup()]]), hostvars: new Map() },
    groupVarAt: new Map(),
    hostVarAt: new Map(),
    hostAt: new Map(),
    problems: [],
    lexical: [],
  };
  const at = (line: number, column: number): Where => {
    const pos: Position = { file, line, column };
    return () => pos;
  };
  const problem = (line: number, column: number, message: string, hint?: string): void => {
    out.problems.push({ file, line, column, message, ...(hint !== undefined && { hint }) });
  };
  const lines = text.split('\n').slice(0, MAX_LINES);
  let section: Section = { group: 'ungrouped', kind: 'hosts', line: 0 };
  // `[x:vars]` may come before `[x]`; Ansible checks at the end that x became a group.
  const pendingVars: Section[] = [];
  const defined = new Set(['all', 'ungrouped']);
  lines.forEach((rawLine, i) => {
    const line = rawLine.replace(/\r$/, '');
    const n = i + 1;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) return;
    const header = /^\[([^\]]+)\]\s*(?:[#;].*)?$/.exec(trimmed);
    if (header !== null) {
      const next = readHeader(header[1] ?? '', n);
      if (typeof next === 'string') return problem(n, 1, next);
      section = next;
      if (next.kind === 'vars') pendingVars.push(next);
      else {
        groupOf(out, next.group);
        defined.add(next.group);
      }
      return;
    }
    const indent = line.length - line.trimStart().length;
    if (section.kind === 'hosts') return readHostLine(out, section.group, line, n, problem, at);
    if (section.kind === 'children') {
      const child = trimmed.split(/\s+/)[0] ?? '';
      const parent = groupOf(out, section.group);
      groupOf(out, child);
      defined.add(child);
      if (!parent.children.includes(child)) parent.children.push(child);
      return;
    }
    const eq = trimmed.indexOf('=');
    if (eq <= 0) {
      return problem(
        n,
        indent + 1,
        `expected key=value in [${section.group}:vars], got ${JSON.stringify(trimmed)}`,
      );
    }
    const key = trimmed.slice(0, eq).trim();
    const value = parseIniValue(trimmed.slice(eq + 1).trim());
    groupOf(out, section.group).vars[key] = value;
    setWhere(out.groupVarAt, section.group, key, at(n, indent + eq + 2));
  });
  for (const s of pendingVars) {
    if (!defined.has(s.group)) {
      problem(
        s.line,
        1,
        `section [${s.group}:vars] is for a group that is not defined anywhere`,
        `Add a [${s.group}] section or list ${s.group} under a [parent:children] section, as Ansible requires.`,
      );
    }
  }
  return out;
}

function readHeader(inside: string, line: number): Section | string {
  const [group = '', kind = 'hosts', ...rest] = inside.split(':');
  if (group === '' || rest.length > 0)
    return `section [${inside}] is not [group], [group:vars] or [group:children]`;
  if (kind !== 'hosts' && kind !== 'vars' && kind !== 'children') {
    return `section [${inside}]: ${JSON.stringify(kind)} is not vars or children`;
  }
  return { group, kind, line };
}

function readHostLine(
  out: AnsibleSource,
  group: string,
  line: string,
  n: number,
  problem: (line: number, column: number, message: string, hint?: string) => void,
  at: (line: number, column: number) => Where,
): void {
  let tokens: string[];
  try {
    tokens = withoutComment(shlexSplit(line));
  } catch (error) {
    problem(
      n,
      1,
      `cannot split the host line: ${(error as Error).message}`,
      'Close every quote on the line.',
    );
    return;
  }
  const [pattern = '', ...assignments] = tokens;
  const hostColumn = line.indexOf(pattern) + 1;
  const { name, port } = splitPort(pattern);
  const names = expandHostPattern(name);
  if (typeof names === 'string') return problem(n, hostColumn, names);
  const vars: Record<string, unknown> = {};
  const where = new Map<string, Where>();
  if (port !== undefined) {
    vars['ansible_port'] = port;
    where.set('ansible_port', at(n, hostColumn + name.length + 1));
  }
  // Columns: each token is looked for after the one before (shlex has removed quotes, but a
  // `key=` is written as it is).
  let from = hostColumn - 1 + pattern.length;
  for (const token of assignments) {
    const eq = token.indexOf('=');
    const found = line.indexOf(eq > 0 ? token.slice(0, eq + 1) : token, from);
    const column = found + 1;
    if (found >= 0) from = found + Math.max(eq, 0) + 1;
    if (eq <= 0) {
      problem(
        n,
        column,
        `expected key=value host variable assignment, got ${JSON.stringify(token)}`,
        'Quote values that contain spaces: key="a value".',
      );
      continue;
    }
    const key = token.slice(0, eq);
    vars[key] = parseIniValue(token.slice(eq + 1));
    where.set(key, at(n, column + eq + 1));
  }
  const g = groupOf(out, group);
  for (const host of names) {
    if (!g.hosts.includes(host)) g.hosts.push(host);
    if (!out.hostAt.has(host)) out.hostAt.set(host, at(n, hostColumn));
    const own = out.list.hostvars.get(host) ?? {};
    out.list.hostvars.set(host, Object.assign(own, vars));
    for (const [k, w] of where) setWhere(out.hostVarAt, host, k, w);
  }
}

// Ansible splits host lines with comments on: a token starting with # ends the line.
function withoutComment(tokens: string[]): string[] {
  const hash = tokens.findIndex((t) => t.startsWith('#'));
  return hash === -1 ? tokens : tokens.slice(0, hash);
}

// `badwolf.example.com:5309` is a host on SSH port 5309; an IPv6 address is left whole.
function splitPort(pattern: string): { name: string; port?: number } {
  const m = /^([^:]+):([0-9]+)$/.exec(pattern);
  return m === null ? { name: pattern } : { name: m[1] ?? pattern, port: Number(m[2]) };
}

/**
 * A value as Ansible's INI plugin reads it (Python's literal_eval, else the text): integers and
 * floats, True/False/None, a quoted string, JSON lists and maps; anything else stays text.
 */
export function parseIniValue(raw: string): unknown {
  const v = raw.trim();
  if (/^[-+]?(0|[1-9][0-9]*)$/.test(v)) return Number(v);
  if (/^[-+]?[0-9]+\.[0-9]*([eE][-+]?[0-9]+)?$/.test(v)) return Number(v);
  if (v === 'True') return true;
  if (v === 'False') return false;
  if (v === 'None') return null;
  const quoted = /^(["'])(.*)\1$/.exec(v);
  if (quoted !== null) return quoted[2];
  if (v.startsWith('[') || v.startsWith('{')) {
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  }
  return v;
}

function groupOf(out: AnsibleSource, name: string): AnsibleGroup {
  const g = out.list.groups.get(name) ?? emptyGroup();
  out.list.groups.set(name, g);
  return g;
}

function setWhere(
  map: Map<string, Map<string, Where>>,
  owner: string,
  key: string,
  where: Where,
): void {
  const m = map.get(owner) ?? new Map<string, Where>();
  m.set(key, where);
  map.set(owner, m);
}
