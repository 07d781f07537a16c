// Ansible's group_vars/ and host_vars/ beside an inventory: for a group or host N, the files
// N, N.yml, N.yaml, N.json, or every file under a folder N/ (sorted, hidden files skipped), each
// YAML holding a map of vars (in a folder, files without an extension too, as Ansible reads them). Their vars override those written in the inventory file for the
// same group or host, as in Ansible. Reading them is reading the inventory's inputs.
import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { extname, join } from 'node:path';
import { CertrollError } from '../../errors.js';
import { readYaml } from '../yaml-source.js';
import { emptyGroup } from './groups.js';
import { type AnsibleSource, type Where } from './source.js';

const EXTENSIONS = ['', '.yml', '.yaml', '.json'];
const MAX_FILES = 2_000;
const MAX_DEPTH = 8;

export interface VarsFile {
  /** `group_vars/web.yml` joined to the inventory's folder as the user named it. */
  readonly path: string;
  readonly bytes: Buffer;
}

/** Where the files are read, and the same folder as messages name it. */
interface Dirs {
  readonly real: string;
  readonly shown: string;
}

/** Every vars file of every group and host, in the order they apply. */
export function findVarsFiles(
  dir: string,
  source: AnsibleSource,
  shownDir: string = dir,
): { readonly kind: 'group' | 'host'; readonly owner: string; readonly file: VarsFile }[] {
  const out: { kind: 'group' | 'host'; owner: string; file: VarsFile }[] = [];
  const budget = { left: MAX_FILES };
  for (const group of source.list.groups.keys()) {
    for (const file of filesFor(sub(dir, shownDir, 'group_vars'), group, budget))
      out.push({ kind: 'group', owner: group, file });
  }
  for (const host of source.list.hostvars.keys()) {
    for (const file of filesFor(sub(dir, shownDir, 'host_vars'), host, budget))
      out.push({ kind: 'host', owner: host, file });
  }
  return out;
}

/** Merges the files' vars into the inventory, remembering where each var was written. */
export function applyVarsFiles(
  source: AnsibleSource,
  files: ReturnType<typeof findVarsFiles>,
): void {
  for (const { kind, owner, file } of files) {
    const yaml = readYaml(file.bytes.toString('utf8'), file.path, {
      extraTags: ['!vault', '!unsafe'],
    });
    source.lexical.push(...yaml.lexical);
    if (yaml.value === null || yaml.value === undefined) continue;
    if (typeof yaml.value !== 'object' || Array.isArray(yaml.value)) {
      source.problems.push({
        file: file.path,
        line: 1,
        column: 1,
        message: `a ${kind}_vars file must hold a map of variables (name: value)`,
        hint: 'Ansible reads group_vars/ and host_vars/ files as YAML maps.',
      });
      continue;
    }
    const vars = yaml.value as Record<string, unknown>;
    const target =
      kind === 'group'
        ? (source.list.groups.get(owner) ?? emptyGroup()).vars
        : (source.list.hostvars.get(owner) ?? {});
    Object.assign(target, vars);
    const at = kind === 'group' ? source.groupVarAt : source.hostVarAt;
    const wheres = at.get(owner) ?? new Map<string, Where>();
    for (const k of Object.keys(vars)) {
      wheres.set(k, (rest, of) => {
        const pos = yaml.locate([k, ...rest], of);
        return pos === undefined ? undefined : { ...pos, file: file.path };
      });
    }
    at.set(owner, wheres);
  }
}

function sub(real: string, shown: string, name: string): Dirs {
  return { real: join(real, name), shown: join(shown, name) };
}

function filesFor(dir: Dirs, name: string, budget: { left: number }): VarsFile[] {
  const out: VarsFile[] = [];
  // Host and group names are Ansible's; one with a path separator would leave the folder.
  if (name.includes('/') || name.includes('\\') || name === '..' || name === '.') return out;
  for (const ext of EXTENSIONS) {
    const path = sub(dir.real, dir.shown, `${name}${ext}`);
    const info = statOf(path.real);
    if (info === undefined) continue;
    if (info.isDirectory()) out.push(...walk(path, 0, budget));
    else if (info.isFile()) out.push(read(path, budget));
  }
  return out;
}

function walk(dir: Dirs, depth: number, budget: { left: number }): VarsFile[] {
  if (depth > MAX_DEPTH) return [];
  const out: VarsFile[] = [];
  const names = readdirSync(dir.real)
    .filter((n) => !n.startsWith('.') && !n.endsWith('~'))
    .sort();
  for (const n of names) {
    const path = sub(dir.real, dir.shown, n);
    const info = statOf(path.real);
    if (info?.isDirectory() === true) out.push(...walk(path, depth + 1, budget));
    else if (info?.isFile() === true && EXTENSIONS.includes(extname(n)))
      out.push(read(path, budget));
  }
  return out;
}

function read(dirs: Dirs, budget: { left: number }): VarsFile {
  const path = dirs.shown;
  if (--budget.left < 0) {
    throw new CertrollError(
      'INPUT_TOO_LARGE',
      `more than ${MAX_FILES} group_vars/host_vars files`,
      {
        file: path,
        hint: 'certroll reads at most this many vars files beside one inventory.',
      },
    );
  }
  try {
    return { path, bytes: readFileSync(dirs.real) };
  } catch (error) {
    throw new CertrollError(
      'INPUT_UNREADABLE',
      `cannot read a vars file: ${(error as Error).message}`,
      {
        file: path,
        cause: error,
        hint: 'Check that you may read every file under group_vars/ and host_vars/.',
      },
    );
  }
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
