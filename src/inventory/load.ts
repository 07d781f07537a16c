// Reading an inventory file: the one place in src/inventory that touches the file system, and
// only to read its inputs. Picks the format (certroll YAML, Ansible YAML or INI with their
// group_vars/ and host_vars/, ansible-inventory JSON).
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import { CertrollError } from '../errors.js';
import { readAnsibleIni } from './ansible/ini.js';
import { parseAnsibleList, parseAnsibleSource, readAnsibleYamlSource } from './ansible/parse.js';
import { applyVarsFiles, findVarsFiles, type VarsFile } from './ansible/vars-files.js';
import { type Inventory } from './model.js';
import { parseInventory, sha256, type ParseOptions } from './parse.js';
import { LIMITS } from './yaml-source.js';

export type InventoryFormat =
  'auto' | 'certroll' | 'ansible' | 'ansible-ini' | 'ansible-json' | 'ansible-inventory';

export const INVENTORY_FORMATS: readonly InventoryFormat[] = [
  'auto',
  'certroll',
  'ansible',
  'ansible-ini',
  'ansible-json',
  'ansible-inventory',
];

export interface LoadOptions extends ParseOptions {
  readonly format?: InventoryFormat;
  /** Folder a relative `path` starts from (default: the process's); `source` stays as given. */
  readonly cwd?: string;
  /**
   * Runs `ansible-inventory -i PATH --list` and returns its stdout; injected by the CLI because
   * this folder runs no processes. Needed for the `ansible-inventory` format (INI, plugins).
   */
  readonly ansibleInventory?: (path: string) => string;
  /** Receives the certroll inventory (plain data) an Ansible one maps to. */
  readonly onCertrollData?: (data: unknown) => void;
}

export interface ImportedInventory {
  /** The certroll YAML inventory, validated by the same loader as any other. */
  readonly yaml: string;
  readonly inventory: Inventory;
}

/**
 * `certroll inventory import`: an Ansible inventory (any format loadInventory reads) written as
 * certroll's YAML. `output` is where it will be written: relative paths in it start there.
 */
export function importInventory(
  path: string,
  options: LoadOptions & { readonly output?: string } = {},
): ImportedInventory {
  let data: unknown;
  loadInventory(path, { ...options, onCertrollData: (d) => (data = d) });
  if (data === undefined) {
    throw new CertrollError('USAGE', "this inventory is already in certroll's format", {
      file: path,
      hint: 'inventory import reads Ansible inventories (INI, YAML, ansible-inventory JSON).',
    });
  }
  const yaml = [
    `# certroll inventory imported from the Ansible inventory ${path}`,
    '# (hosts with certroll_bindings; see docs/inventory.md, Ansible inventories).',
    stringifyYaml(data, { lineWidth: 0 }),
  ].join('\n');
  const out = options.output ?? path;
  const file = options.cwd === undefined ? out : resolvePath(options.cwd, out);
  const inventory = parseInventory(yaml, out, {
    ...options,
    baseDir: options.baseDir ?? dirname(resolvePath(file)),
  });
  return { yaml, inventory };
}

export function loadInventory(path: string, options: LoadOptions = {}): Inventory {
  const file = options.cwd === undefined ? path : resolvePath(options.cwd, path);
  const opts = { ...options, baseDir: options.baseDir ?? dirname(resolvePath(file)) };
  const bytes = readInput(file, path);
  const text = decode(bytes, path);
  const digest = sha256(bytes);
  const format =
    options.format === undefined || options.format === 'auto' ? detectFormat(text) : options.format;
  switch (format) {
    case 'ansible-inventory': {
      if (options.ansibleInventory === undefined) {
        throw new CertrollError(
          'USAGE',
          'this inventory can only be read through ansible-inventory',
          {
            file: path,
            hint: 'Use the certroll CLI, or pass the output of ansible-inventory -i FILE --list with format ansible-json.',
          },
        );
      }
      const json = options.ansibleInventory(file);
      return parseAnsibleList(json, path, { ...opts, digest: sha256(json) });
    }
    case 'ansible':
    case 'ansible-ini': {
      const read =
        format === 'ansible' ? readAnsibleYamlSource(text, path) : readAnsibleIni(text, path);
      // group_vars/ and host_vars/ beside the inventory are part of it: a plan pins them too.
      const files = findVarsFiles(dirname(file), read, dirname(path));
      applyVarsFiles(read, files);
      return parseAnsibleSource(read, path, text, { ...opts, digest: digestOf(bytes, files) });
    }
    case 'ansible-json':
      return parseAnsibleList(text, path, { ...opts, digest });
    default:
      return parseInventory(text, path, { ...opts, digest });
  }
}

/**
 * certroll's own format has `version:` and `environments:` at the top; JSON with `_meta` is
 * ansible-inventory's; a map of groups with hosts/children/vars is Ansible's YAML; lines of host
 * names and `[group]` headers are Ansible's INI.
 */
export function detectFormat(text: string): Exclude<InventoryFormat, 'auto'> {
  if (/^\s*\{/.test(text) && /"_meta"\s*:/.test(text)) return 'ansible-json';
  if (/^environments\s*:/m.test(text) || /^version\s*:/m.test(text)) return 'certroll';
  if (/^[A-Za-z0-9_.-]+\s*:\s*(#.*)?$/m.test(text) && /^\s+(hosts|children|vars)\s*:/m.test(text))
    return 'ansible';
  if (looksLikeIni(text)) return 'ansible-ini';
  return 'certroll';
}

// INI: a [group] header, or only lines that read as `host key=value ...` (no YAML `key:`).
function looksLikeIni(text: string): boolean {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^[#;]/.test(l));
  if (lines.length === 0) return false;
  if (lines.some((l) => /^\[[^\]]+\]\s*([#;].*)?$/.test(l))) return true;
  return lines.every(isHostLine);
}

// `name`, `name:2222`, `web[01:03].example.com` then `key=value` words; a YAML `key:` is not one.
function isHostLine(line: string): boolean {
  const [host = '', ...rest] = line.split(/\s+/);
  const bare = host.replace(/\[[^\]]*\]/g, 'x').replace(/:[0-9]+$/, '');
  return (
    /^[^\s:=#{}-][^\s:={}]*$/.test(bare) &&
    rest.every((w) => /^[^=\s]+=/.test(w) || w.startsWith('#'))
  );
}

function digestOf(bytes: Buffer, files: readonly { file: VarsFile }[]): string {
  if (files.length === 0) return sha256(bytes);
  const h = createHash('sha256').update(bytes);
  for (const { file } of files) h.update(`\0${file.path}\0`).update(file.bytes);
  return h.digest('hex');
}

function readInput(file: string, path: string): Buffer {
  try {
    const size = statSync(file).size;
    if (size > LIMITS.maxBytes) {
      throw new CertrollError(
        'INPUT_TOO_LARGE',
        `the inventory is ${size} bytes; it may be at most ${LIMITS.maxBytes} bytes`,
        { file: path, hint: 'Split the inventory into several files, one per environment.' },
      );
    }
    return readFileSync(file);
  } catch (error) {
    if (error instanceof CertrollError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new CertrollError('INPUT_NOT_FOUND', 'the inventory does not exist', {
        file: path,
        cause: error,
        hint: 'Check the path; relative paths start from the current folder.',
      });
    }
    throw new CertrollError(
      'INPUT_UNREADABLE',
      `cannot read the inventory: ${code ?? String(error)}`,
      {
        file: path,
        cause: error,
        hint: 'Check that the file exists, is a regular file, and that you may read it.',
      },
    );
  }
}

function decode(bytes: Buffer, path: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new CertrollError('INPUT_UNREADABLE', 'the inventory is not valid UTF-8', {
      file: path,
      cause: error,
      hint: 'Save the file as UTF-8.',
    });
  }
}
