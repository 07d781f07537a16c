// The template language of playbook scripts: `{{ root.path }}` and nothing else. There is no
// raw/unquoted form: every placeholder renders through the shell's quoting function, so a value
// can never become script syntax. No conditionals either: scripts test values themselves
// (`if [ -n {{ param.x }} ]`), which keeps the renderer trivially auditable.

export const TEMPLATE_ROOTS = {
  param: null,
  host: ['name', 'address'],
  binding: ['id', 'port'],
  run: ['id'],
  cert: ['sha256', 'thumbprint'],
  staged: ['runDir', 'dir', 'cert', 'key', 'chain', 'fullchain', 'combined'],
  backup: ['dir'],
  captured: null,
} as const satisfies Record<string, readonly string[] | null>;

export interface Placeholder {
  readonly path: readonly string[];
  /** Offset of `{{` in the template. */
  readonly start: number;
  readonly end: number;
}

export interface TemplateProblem {
  readonly offset: number;
  readonly message: string;
}

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const EXPRESSION = /^\s*([a-z]+(?:\.[A-Za-z0-9_]+)+)\s*$/;

/** Finds every placeholder; reports malformed ones and unknown references. */
export function scanTemplate(
  template: string,
  declaredParams: ReadonlySet<string>,
): { placeholders: Placeholder[]; problems: TemplateProblem[] } {
  const placeholders: Placeholder[] = [];
  const problems: TemplateProblem[] = [];
  for (const m of template.matchAll(PLACEHOLDER)) {
    const start = m.index;
    const expr = EXPRESSION.exec(m[1] ?? '');
    if (expr?.[1] === undefined) {
      problems.push({
        offset: start,
        message: `malformed placeholder ${m[0]}: expected {{ root.name }}, e.g. {{ param.certPath }}`,
      });
      continue;
    }
    const path = expr[1].split('.');
    const problem = checkReference(path, declaredParams);
    if (problem !== undefined) problems.push({ offset: start, message: problem });
    placeholders.push({ path, start, end: start + m[0].length });
  }
  // Any braces left once the placeholders are gone are a typo (`{{ x }`, `{{{ x }}}`).
  const rest = template.replace(PLACEHOLDER, '');
  const stray = rest.search(/\{\{|\}\}/);
  if (stray >= 0) {
    problems.push({ offset: stray, message: 'unbalanced {{ or }} outside a placeholder' });
  }
  return { placeholders, problems };
}

function checkReference(
  path: readonly string[],
  declared: ReadonlySet<string>,
): string | undefined {
  const [root, first] = path;
  if (root === undefined || !(root in TEMPLATE_ROOTS)) {
    return `unknown placeholder root ${JSON.stringify(root)}; use one of ${Object.keys(TEMPLATE_ROOTS).join(', ')}`;
  }
  const allowed = TEMPLATE_ROOTS[root as keyof typeof TEMPLATE_ROOTS];
  if (root === 'param') {
    if (first === undefined || !declared.has(first) || path.length > 2) {
      return `{{ ${path.join('.')} }} refers to a parameter the playbook does not declare`;
    }
    return undefined;
  }
  if (allowed === null) return undefined;
  if (path.length !== 2 || first === undefined || !(allowed as readonly string[]).includes(first)) {
    return `unknown placeholder {{ ${path.join('.')} }}; ${root} has ${allowed.join(', ')}`;
  }
  return undefined;
}

export type Quote = (value: string) => string;

/** Renders a template; `lookup` returns the value at a path (undefined renders as ''). */
export function renderTemplate(
  template: string,
  lookup: (path: readonly string[]) => unknown,
  quote: Quote,
  list: (items: readonly string[]) => string,
): string {
  return template.replace(PLACEHOLDER, (_m, inner: string) => {
    const path = inner.trim().split('.');
    return renderValue(lookup(path), quote, list, path);
  });
}

function renderValue(
  value: unknown,
  quote: Quote,
  list: (items: readonly string[]) => string,
  path: readonly string[],
): string {
  if (value === undefined || value === null) return quote('');
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean') return quote(String(value));
  if (Array.isArray(value)) {
    return list(value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))));
  }
  throw new TypeError(`{{ ${path.join('.')} }} is not a scalar or list`);
}
