// The pipeline every inventory goes through, whatever its format: validate the plain data
// against the input schema, resolve defaults, check the whole, and fail with every problem.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { dirname, resolve as resolvePath } from 'node:path';
import { CertrollError, type ErrorDetail } from '../errors.js';
import {
  checkBindingRules,
  checkInventory,
  checkNames,
  rawNames,
  type BindingRules,
} from './checks.js';
import { addZodIssues, detailSink, type Locate } from './issues.js';
import { type Inventory } from './model.js';
import { type Path } from './paths.js';
import { resolveEnvironments } from './resolve.js';
import { localPath, secretOf } from './resolve-context.js';
import { inventoryInput } from './schema.js';
import { fieldsAt } from './schema-fields.js';
import { parseSshConfig, type ParsedSshConfig } from './ssh-config.js';
import { readYaml } from './yaml-source.js';

export interface ParseOptions {
  /** What `~` expands to (default: the current user's home folder). */
  readonly home?: string;
  /** Folder that relative paths start from (default: the folder of `source`). */
  readonly baseDir?: string;
  /** SHA-256 of the file's bytes when the caller has them (default: of `text` as UTF-8). */
  readonly digest?: string;
  /**
   * Checks each binding's kind and params against the playbooks found with the inventory's own
   * playbook folders (the CLI passes the playbooks' rules; this folder does not load them).
   */
  readonly bindingRules?: (playbookDirs: readonly string[]) => BindingRules;
  /** The local user name (default: the process's), OpenSSH's default remote user. */
  readonly localUser?: string;
  /** Reads an input file (ssh_config), undefined when it does not exist (default: the disk). */
  readonly readFile?: (absolutePath: string) => string | undefined;
}

// ssh_config is one of the inventory's inputs: read once per file per inventory.
function sshConfigReader(
  read: (path: string) => string | undefined,
): (path: string) => ParsedSshConfig | undefined {
  const cache = new Map<string, ParsedSshConfig | undefined>();
  return (path) => {
    if (!cache.has(path)) {
      const text = read(path);
      cache.set(path, text === undefined ? undefined : parseSshConfig(text, path));
    }
    return cache.get(path);
  };
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CertrollError(
      'INPUT_UNREADABLE',
      `cannot read ${path}: ${(error as Error).message}`,
      {
        file: path,
        cause: error,
        hint: 'Check that you may read this ssh_config file, or set sshConfig: false in the inventory.',
      },
    );
  }
}

function localUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? 'root';
  }
}

export interface PlainInventory {
  readonly source: string;
  readonly digest: string;
  readonly data: unknown;
  readonly locate: Locate;
  /** Problems found before validation (e.g. a port written as 0o17). */
  readonly lexical?: readonly ErrorDetail[];
  /** How a path is named in messages (default: `environments[0].hosts[1].name`). */
  readonly fieldName?: (path: Path) => string;
}

/** Parses and validates certroll's YAML inventory; pure apart from reading `~`'s value. */
export function parseInventory(
  text: string,
  source: string,
  options: ParseOptions = {},
): Inventory {
  const yaml = readYaml(text, source);
  return buildInventory(
    {
      source,
      digest: options.digest ?? sha256(text),
      data: yaml.value,
      locate: yaml.locate,
      lexical: yaml.lexical,
    },
    options,
  );
}

export function buildInventory(plain: PlainInventory, options: ParseOptions = {}): Inventory {
  const { source, data } = plain;
  const sink = detailSink(source, plain.locate, plain.fieldName);
  const lexical = plain.lexical ?? [];
  sink.details.push(...lexical);
  const parsed = inventoryInput.safeParse(data);
  if (!parsed.success) {
    addZodIssues(sink, parsed.error.issues, data, (path) => fieldsAt(inventoryInput, path));
    // Names used twice are worth knowing in the same run as the schema's problems.
    checkNames(rawNames(data), sink);
    throw invalid(source, withoutEchoes(sink.details, lexical));
  }
  if (lexical.length > 0) throw invalid(source, sink.details);
  const ctx = {
    file: source,
    baseDir: options.baseDir ?? dirname(resolvePath(source)),
    home: options.home ?? homedir(),
    locate: plain.locate,
    sink,
    localUser: options.localUser ?? localUserName(),
    readSshConfig: sshConfigReader(options.readFile ?? readIfExists),
  };
  const environments = resolveEnvironments(parsed.data, ctx);
  checkInventory(environments, sink);
  const playbookDirs = (parsed.data.playbooks ?? []).map((p) => localPath(p, ctx));
  if (options.bindingRules !== undefined) {
    checkBindingRules(environments, options.bindingRules(playbookDirs), plain.locate, sink);
  }
  if (sink.details.length > 0) throw invalid(source, sink.details);
  const webhooks = (parsed.data.notifications?.webhooks ?? []).map((w) => ({
    url: w.url,
    format: w.format ?? 'json',
    ...(w.secret !== undefined ? { secret: secretOf(w.secret, ctx) } : {}),
    ...(w.events !== undefined ? { events: w.events } : {}),
  }));
  return {
    source,
    digest: plain.digest,
    playbookDirs,
    environments,
    ...(webhooks.length > 0 ? { notifications: { webhooks } } : {}),
  };
}

// A value refused for how it was written (0o17) is refused again by the schema; keep the first.
function withoutEchoes(
  details: readonly ErrorDetail[],
  lexical: readonly ErrorDetail[],
): ErrorDetail[] {
  const key = (d: ErrorDetail): string => `${d.file ?? ''}:${d.line}:${d.column}`;
  const at = new Set(lexical.map(key));
  return details.filter((d) => lexical.includes(d) || !at.has(key(d)));
}

export function sha256(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

function invalid(source: string, details: readonly ErrorDetail[]): CertrollError {
  const sorted = [...details].sort(
    (a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
  const n = sorted.length;
  return new CertrollError(
    'INVENTORY_INVALID',
    `${n} problem${n === 1 ? '' : 's'} in the inventory`,
    {
      file: source,
      details: sorted,
      hint: 'Fix each problem listed; `certroll inventory schema` prints every field allowed.',
    },
  );
}
