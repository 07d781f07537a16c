// The inventories a new user copies first: every file in inventories/ and every inventory the
// docs show, validated the way `certroll inventory check` validates them (offline, the Windows
// ones too), each binding's params against its playbook included.
//
// A fenced block in docs/*.md or README.md is an inventory when its info string says so:
// ```yaml inventory (must be valid) or ```yaml inventory-invalid (an example of mistakes: must
// be refused, for its values only). Files of an Ansible layout (an INI inventory with its
// group_vars/) are marked ```ini inventory-layout hosts.ini, ```yaml inventory-layout
// group_vars/staging.yml: a document's layout blocks are written to one folder and loaded
// together. A yaml block whose top-level keys are an inventory's (or a part of one: `pools:`,
// `notifications:`, `certroll_*` variables ...) and has no marker fails this test, so an
// example cannot slip by unchecked.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CertrollError, formatLocation } from '../../../src/errors.js';
import {
  detectFormat,
  loadInventory,
  parseAnsibleYaml,
  parseInventory,
  type Inventory,
  type ParseOptions,
} from '../../../src/inventory/index.js';
import { bindingRules, loadPlaybooks } from '../../../src/playbooks/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const rules: ParseOptions['bindingRules'] = (dirs) =>
  bindingRules(loadPlaybooks({ userDirs: dirs }));

interface Snippet {
  /** e.g. docs/inventory.md */
  readonly file: string;
  /** Line of the opening fence. */
  readonly line: number;
  readonly marker: 'inventory' | 'inventory-invalid' | 'inventory-layout' | undefined;
  /** `inventory-layout`: the file's path in the layout. */
  readonly layoutPath?: string;
  /** The block's text, after as many empty lines as precede it, so YAML lines are file lines. */
  readonly text: string;
  /** The fenced block right after it (the `inventory check` output the docs show), if any. */
  readonly output?: string;
}

/** The fenced yaml blocks of a markdown text (``` or ~~~ fences, any info after the language). */
function yamlBlocks(file: string, markdown: string): Snippet[] {
  const lines = markdown.split('\n');
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)\s*(.*)$/.exec(lines[i] ?? '');
    if (open === null) continue;
    const [, fence = '```', lang, info = ''] = open;
    let end = i + 1;
    while (end < lines.length && !(lines[end] ?? '').trim().startsWith(fence)) end++;
    const [word, layoutPath] = info.split(/\s+/);
    if (lang === 'yaml' || lang === 'yml' || (lang === 'ini' && word === 'inventory-layout')) {
      const marker =
        word === 'inventory' || word === 'inventory-invalid' || word === 'inventory-layout'
          ? word
          : undefined;
      const body = lines.slice(i + 1, end).join('\n');
      const output = blockAfter(lines, end + 1);
      out.push({
        file,
        line: i + 1,
        marker,
        ...(layoutPath !== undefined && layoutPath !== '' ? { layoutPath } : {}),
        text: `${'\n'.repeat(i + 1)}${body}\n`,
        output,
      });
    }
    i = end;
  }
  return out;
}

// A console block that follows after at most one blank line shows what the block above does.
function blockAfter(lines: readonly string[], from: number): string | undefined {
  let i = from;
  if ((lines[i] ?? '').trim() === '') i++;
  if (!/^ {0,3}```console/.test(lines[i] ?? '')) return undefined;
  const end = lines.findIndex((l, n) => n > i && l.trim().startsWith('```'));
  return lines.slice(i + 1, end < 0 ? undefined : end).join('\n');
}

/** `line:column: field` of each problem an `inventory check` output lists. */
function shownProblems(output: string): string[] {
  return [...output.matchAll(/^ {2}- [^:\s]+:(\d+:\d+: \S+):/gm)].map((m) => m[1] ?? '');
}

// The top-level keys of an inventory, of an environment (a part shown alone) and of Ansible
// variables certroll reads: a block with one of them shows (part of) an inventory.
const INVENTORY_KEYS =
  /^(version|playbooks|defaults|environments|notifications|all|pools|policy|hosts|bindings|exclude|certroll_\w+)\s*:/m;
const looksLikeInventory = (text: string): boolean => INVENTORY_KEYS.test(text);

const markdownFiles = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const snippets = markdownFiles.flatMap((f) => yamlBlocks(f, readFileSync(join(ROOT, f), 'utf8')));
const name = (s: Snippet): string => `${s.file}:${s.line}`;

// A snippet's `playbooks: [./playbooks]` is the reader's own folder, empty here.
const base = mkdtempSync(join(tmpdir(), 'certroll-doc-examples-'));
mkdirSync(join(base, 'playbooks'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function parseSnippet(s: Snippet): Inventory {
  const opts = { baseDir: base, bindingRules: rules };
  return detectFormat(s.text) === 'ansible'
    ? parseAnsibleYaml(s.text, s.file, opts)
    : parseInventory(s.text, s.file, opts);
}

/** Every problem on its own line, `file:line:column: field: message`, for a failing example. */
function explain(error: unknown): string {
  if (!(error instanceof CertrollError)) return String(error);
  const lines = error.details.map((d) => `  ${formatLocation(d) ?? ''}: ${d.message}`);
  return [`${formatLocation(error.location) ?? ''}: ${error.message}`, ...lines].join('\n');
}

function expectValid(load: () => Inventory, where: string): Inventory {
  try {
    return load();
  } catch (error) {
    throw new Error(`${where} is not a valid inventory:\n${explain(error)}`, { cause: error });
  }
}

describe('the example inventories in inventories/', () => {
  const files = readdirSync(join(ROOT, 'inventories')).filter((f) => /\.ya?ml$/.test(f));

  it('are all there', () => {
    expect(files).toEqual(
      expect.arrayContaining(['linux-web.yaml', 'windows-httpsys.yaml', 'business-central.yaml']),
    );
  });

  it.each(files)('inventories/%s passes inventory check', (file) => {
    const inv = expectValid(
      () =>
        loadInventory(`inventories/${file}`, { cwd: ROOT, format: 'auto', bindingRules: rules }),
      `inventories/${file}`,
    );
    expect(inv.environments.flatMap((e) => e.hosts.flatMap((h) => h.bindings))).not.toEqual([]);
  });
});

describe('the inventories shown in the docs', () => {
  const valid = snippets.filter((s) => s.marker === 'inventory');
  const invalid = snippets.filter((s) => s.marker === 'inventory-invalid');

  it('include a complete certroll example and an Ansible one, and one of mistakes', () => {
    const formats = valid.map((s) => detectFormat(s.text));
    expect(formats).toEqual(expect.arrayContaining(['certroll', 'ansible']));
    expect(invalid).not.toEqual([]);
  });

  it('are each marked: a yaml block with an inventory key says whether it is valid', () => {
    const unmarked = snippets.filter((s) => s.marker === undefined && looksLikeInventory(s.text));
    expect(
      unmarked.map(name),
      'mark these ```yaml inventory (or inventory-invalid); see docs/inventory.md',
    ).toEqual([]);
  });

  const layouts = [
    ...new Set(snippets.filter((s) => s.marker === 'inventory-layout').map((s) => s.file)),
  ];

  it('include an Ansible layout (INI inventory and group_vars/)', () => {
    expect(layouts).not.toEqual([]);
  });

  it.each(layouts)('the Ansible layout shown in %s passes inventory check', (file) => {
    const parts = snippets.filter((s) => s.file === file && s.marker === 'inventory-layout');
    const dir = mkdtempSync(join(base, 'layout-'));
    for (const p of parts) {
      expect(p.layoutPath, `${name(p)} names its file`).toBeDefined();
      mkdirSync(dirname(join(dir, p.layoutPath!)), { recursive: true });
      writeFileSync(join(dir, p.layoutPath!), p.text.trimStart());
    }
    const main = parts.find((p) => !/^(group|host)_vars\//.test(p.layoutPath ?? ''));
    expect(main, `${file}: the inventory file of the layout`).toBeDefined();
    const inv = expectValid(
      () => loadInventory(join(dir, main!.layoutPath!), { format: 'auto', bindingRules: rules }),
      `${file}: ${main!.layoutPath!}`,
    );
    // The group variables were read: every environment's hosts have their bindings.
    for (const e of inv.environments)
      for (const h of e.hosts) expect(h.bindings, `${e.name}/${h.name}`).not.toEqual([]);
  });

  it.each(valid.map((s) => [name(s), s] as const))('%s passes inventory check', (where, s) => {
    expectValid(() => parseSnippet(s), where);
  });

  it.each(invalid.map((s) => [name(s), s] as const))(
    '%s is refused for its values, never for an unknown name',
    (where, s) => {
      let error: unknown;
      try {
        parseSnippet(s);
      } catch (e) {
        error = e;
      }
      expect(error, `${where} was meant to be refused`).toBeInstanceOf(CertrollError);
      const refused = error as CertrollError;
      expect(refused.code, explain(refused)).toBe('INVENTORY_INVALID');
      const unknownNames = refused.details.filter((d) =>
        /unknown (field|parameter)|has no playbook/.test(d.message),
      );
      expect(unknownNames.map((d) => `${formatLocation(d) ?? ''}: ${d.message}`)).toEqual([]);
      // Line numbers are the markdown file's, so the problems point into the block itself.
      for (const d of refused.details) expect(d.line).toBeGreaterThan(s.line);
      if (s.output !== undefined) {
        const actual = refused.details.map(
          (d) => `${(d.line ?? 0) - s.line}:${d.column}: ${d.field}`,
        );
        expect(shownProblems(s.output), `the output shown after ${where}`).toEqual(actual);
      }
    },
  );
});
