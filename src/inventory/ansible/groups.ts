// Ansible's inventory structure, in the shape `ansible-inventory --list --export` prints: groups
// with hosts, children and vars, plus each host's own vars. Effective host vars follow Ansible's
// precedence: `all`, then groups by depth (parents before children, then by name), then the host.

export type Vars = Readonly<Record<string, unknown>>;

export interface AnsibleGroup {
  hosts: string[];
  children: string[];
  vars: Record<string, unknown>;
}

export interface AnsibleList {
  /** Groups in the order they were first seen. */
  readonly groups: Map<string, AnsibleGroup>;
  /** Each host's own vars (or, from `--list` without --export, the already merged vars). */
  readonly hostvars: Map<string, Record<string, unknown>>;
}

/** Where an effective var came from: a group's vars or the host's own. */
export type VarSource = { readonly group: string } | { readonly host: string };

export interface EffectiveHost {
  readonly name: string;
  readonly vars: Vars;
  readonly sources: ReadonlyMap<string, VarSource>;
  /** Every group the host is in, directly or through a child group. */
  readonly groups: ReadonlySet<string>;
}

export function emptyGroup(): AnsibleGroup {
  return { hosts: [], children: [], vars: {} };
}

/** Hosts in first-seen order with their effective vars. */
export function effectiveHosts(list: AnsibleList): EffectiveHost[] {
  const depth = groupDepths(list);
  return hostOrder(list).map((name) => {
    const direct = [...list.groups].filter(([, g]) => g.hosts.includes(name)).map(([n]) => n);
    const all = ancestors(list, direct);
    all.add('all');
    const ordered = [...all].sort(
      (a, b) => (depth.get(a) ?? 0) - (depth.get(b) ?? 0) || a.localeCompare(b),
    );
    const vars: Record<string, unknown> = {};
    const sources = new Map<string, VarSource>();
    for (const g of ordered) {
      for (const [k, v] of Object.entries(list.groups.get(g)?.vars ?? {})) {
        vars[k] = v;
        sources.set(k, { group: g });
      }
    }
    for (const [k, v] of Object.entries(list.hostvars.get(name) ?? {})) {
      vars[k] = v;
      sources.set(k, { host: name });
    }
    return { name, vars, sources, groups: all };
  });
}

// Hosts in the order a reader of the inventory meets them: depth first from `all`, as written.
function hostOrder(list: AnsibleList): string[] {
  const names = new Set<string>();
  const seen = new Set<string>();
  const visit = (group: string): void => {
    if (seen.has(group)) return;
    seen.add(group);
    const g = list.groups.get(group);
    for (const h of g?.hosts ?? []) names.add(h);
    for (const c of g?.children ?? []) visit(c);
  };
  visit('all');
  for (const name of list.groups.keys()) visit(name);
  for (const h of list.hostvars.keys()) names.add(h);
  return [...names];
}

function ancestors(list: AnsibleList, direct: readonly string[]): Set<string> {
  const parents = parentMap(list);
  const out = new Set<string>();
  const todo = [...direct];
  while (todo.length > 0) {
    const g = todo.pop() as string;
    if (out.has(g)) continue;
    out.add(g);
    todo.push(...(parents.get(g) ?? []));
  }
  return out;
}

function parentMap(list: AnsibleList): Map<string, string[]> {
  const parents = new Map<string, string[]>();
  for (const [n, g] of list.groups) {
    for (const c of g.children) parents.set(c, [...(parents.get(c) ?? []), n]);
  }
  return parents;
}

// Depth of a group: `all` is 0, a child is one deeper than its deepest parent (as Ansible does).
function groupDepths(list: AnsibleList): Map<string, number> {
  const parents = parentMap(list);
  const memo = new Map<string, number>([['all', 0]]);
  const visiting = new Set<string>();
  const depthOf = (g: string): number => {
    const known = memo.get(g);
    if (known !== undefined) return known;
    if (visiting.has(g)) return 1; // a cycle; Ansible refuses it, we just stop
    visiting.add(g);
    const ps = parents.get(g) ?? [];
    const d = ps.length === 0 ? 1 : Math.max(...ps.map(depthOf)) + 1;
    visiting.delete(g);
    memo.set(g, d);
    return d;
  };
  for (const n of list.groups.keys()) depthOf(n);
  return memo;
}

/** The groups directly under `all` (environments by default), in order, without `ungrouped`. */
export function topLevelGroups(list: AnsibleList): string[] {
  const children = list.groups.get('all')?.children ?? [];
  const nested = new Set<string>();
  for (const [n, g] of list.groups) if (n !== 'all') for (const c of g.children) nested.add(c);
  const implicit = [...list.groups.keys()].filter(
    (n) => n !== 'all' && !children.includes(n) && !nested.has(n),
  );
  return [...children, ...implicit].filter((n) => n !== 'ungrouped');
}
