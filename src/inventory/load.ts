// Reading an inventory file: the one place in src/inventory that touches the file system, and
// only to read its input. Picks the format (certroll YAML, Ansible YAML, ansible-inventory JSON).
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { CertrollError } from '../errors.js';
import { parseAnsibleList, parseAnsibleYaml } from './ansible/parse.js';
import { type Inventory } from './model.js';
import { parseInventory, sha256, type ParseOptions } from './parse.js';
import { LIMITS } from './yaml-source.js';

export type InventoryFormat =
  'auto' | 'certroll' | 'ansible' | 'ansible-json' | 'ansible-inventory';

export const INVENTORY_FORMATS: readonly InventoryFormat[] = [
  'auto',
  'certroll',
  'ansible',
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
      return parseAnsibleYaml(text, path, { ...opts, digest });
    case 'ansible-json':
      return parseAnsibleList(text, path, { ...opts, digest });
    default:
      return parseInventory(text, path, { ...opts, digest });
  }
}

/** certroll's own format has `version:` and `environments:` at the top; JSON is ansible-inventory's. */
export function detectFormat(text: string): Exclude<InventoryFormat, 'auto'> {
  if (/^\s*\{/.test(text) && /"_meta"\s*:/.test(text)) return 'ansible-json';
  // Ansible's INI format: the first line that says something is a [group] header.
  const first = text.split('\n').find((l) => l.trim() !== '' && !/^\s*[#;]/.test(l));
  if (first !== undefined && /^\[[A-Za-z0-9_:.-]+\]\s*$/.test(first.trim()))
    return 'ansible-inventory';
  if (/^environments\s*:/m.test(text) || /^version\s*:/m.test(text)) return 'certroll';
  if (/^[A-Za-z0-9_.-]+\s*:\s*(#.*)?$/m.test(text) && /^\s+(hosts|children|vars)\s*:/m.test(text))
    return 'ansible';
  return 'certroll';
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
