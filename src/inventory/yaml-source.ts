// Safe YAML reading: YAML 1.2 core schema, no custom tags, bounded aliases and depth, and a map
// from every field path to its file position so that each error can say line:column.
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  Scalar,
  type Document,
  type Node,
} from 'yaml';
import { CertrollError, type ErrorDetail } from '../errors.js';
import { LIMITS } from './limits.js';
import { formatPath, type Path } from './paths.js';
import { describe, firstLine, setAt, shortTag, yamlError } from './yaml-util.js';

export { LIMITS };

const CORE_TAGS = new Set(
  ['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`),
);

/** Keys whose values must be integers written in plain decimal (outside free `params`). */
const INTEGER_KEYS = new Set([
  'port',
  'ansible_port',
  'batchSize',
  'concurrency',
  'failureBudget',
  'vipSamples',
  'canary',
  'version',
]);

/** Keys whose contents are free-form (validated later by a playbook), so not checked here. */
const FREE_KEYS = new Set(['params']);

export interface Position {
  readonly line: number;
  readonly column: number;
  /** Set when the position is in another file than the inventory (Ansible's group_vars/). */
  readonly file?: string;
}

export interface YamlSource {
  readonly file: string;
  readonly value: unknown;
  /** Position of the value at `path`, or of its nearest ancestor that exists. */
  readonly locate: (path: Path, of?: 'key' | 'value') => Position | undefined;
  /** Problems found in the text itself (number notation), keyed by path; validation adds them. */
  readonly lexical: readonly ErrorDetail[];
}

export interface ReadYamlOptions {
  /** Tags allowed besides the core schema, resolved as strings (Ansible's `!vault`, `!unsafe`). */
  readonly extraTags?: readonly string[];
}

export function readYaml(text: string, file: string, options: ReadYamlOptions = {}): YamlSource {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > LIMITS.maxBytes) {
    throw new CertrollError(
      'INPUT_TOO_LARGE',
      `the inventory is ${bytes} bytes; it may be at most ${LIMITS.maxBytes} bytes`,
      { file, hint: 'Split the inventory into several files, one per environment.' },
    );
  }
  const lineCounter = new LineCounter();
  const at = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const extra = new Set(options.extraTags ?? []);
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, {
      lineCounter,
      schema: 'core',
      version: '1.2',
      uniqueKeys: true,
      prettyErrors: false,
      customTags: [...extra].map((tag) => ({
        tag,
        resolve: (s: string) => s,
        identify: () => false,
      })),
    });
  } catch (error) {
    // A pathological nesting can exhaust the parser's stack before our own depth check runs.
    throw yamlError(file, [{ file, message: `cannot parse: ${describe(error)}` }], error);
  }
  const problems: ErrorDetail[] = [];
  for (const e of [...doc.errors]) {
    const pos = at(e.pos[0]);
    const message =
      e.code === 'MULTIPLE_DOCS'
        ? 'an inventory is one YAML document: remove the --- separator, or split it into files'
        : firstLine(e.message);
    problems.push({ file, ...pos, message });
  }
  for (const w of doc.warnings) {
    const pos = at(w.pos[0]);
    const message =
      w.code === 'TAG_RESOLVE_FAILED'
        ? `${shortTag(firstLine(w.message))}; certroll accepts no custom YAML tags`
        : firstLine(w.message);
    problems.push({ file, ...pos, message });
  }
  const positions = new Map<string, Position>();
  const keyPositions = new Map<string, Position>();
  const lexical: ErrorDetail[] = [];
  const fixes: { path: Path; value: string }[] = [];

  const walk = (node: unknown, path: Path, depth: number, free: boolean): void => {
    if (depth > LIMITS.maxDepth) {
      problems.push({
        file,
        ...position(node),
        field: formatPath(path),
        message: `nesting deeper than ${LIMITS.maxDepth} levels`,
      });
      return;
    }
    if (!isNodeLike(node)) return;
    const pos = position(node);
    if (pos !== undefined) positions.set(formatPath(path), pos);
    const tag = (node as { tag?: string }).tag;
    if (tag !== undefined && !CORE_TAGS.has(tag) && !extra.has(tag)) {
      problems.push({
        file,
        ...pos,
        field: formatPath(path),
        message: `YAML tag ${shortTag(tag)} is not allowed; certroll reads plain YAML only (strings, numbers, booleans, null, maps, lists)`,
      });
    }
    if (isAlias(node)) {
      if (node.resolve(doc) === undefined) {
        problems.push({
          file,
          ...pos,
          field: formatPath(path),
          message: `alias *${node.source} refers to no anchor &${node.source} written before it`,
        });
      }
      return;
    }
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = pair.key;
        if (!isScalar(key) || typeof key.value === 'object') {
          problems.push({ file, ...position(key), message: 'map keys must be plain strings' });
          continue;
        }
        const name = typeof key.value === 'string' ? key.value : JSON.stringify(key.value);
        const childPath = [...path, name];
        if (name === '__proto__') {
          problems.push({
            file,
            ...position(key),
            field: formatPath(childPath),
            message: 'the key __proto__ is not allowed (it would alter objects, not name a field)',
          });
          continue;
        }
        const keyPos = position(key);
        if (keyPos !== undefined) keyPositions.set(formatPath(childPath), keyPos);
        if (!free && INTEGER_KEYS.has(name)) checkInteger(pair.value, childPath);
        walk(pair.value, childPath, depth + 1, free || FREE_KEYS.has(name));
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i], depth + 1, free));
    }
  };

  // `0o17`, `0x1F`, `017`, `443.0` all load as numbers; a port must look like what it is.
  // `1_000` and `22:22` were numbers in YAML 1.1 and are text in 1.2: say so rather than "string".
  const checkInteger = (node: unknown, path: Path): void => {
    if (!isScalar(node)) return;
    const plainText =
      typeof node.value === 'string' &&
      node.type === Scalar.PLAIN &&
      /^[-+]?[0-9][0-9_:.eE+-]*$/.test(node.value);
    if (typeof node.value !== 'number' && !plainText) return;
    const source = (node as Scalar & { source?: string }).source ?? String(node.value);
    if (node.type === Scalar.PLAIN && /^-?(0|[1-9][0-9]*)$/.test(source)) return;
    lexical.push({
      file,
      ...position(node),
      field: formatPath(path),
      message: `expected an integer written in decimal (e.g. 443), got ${source}`,
      hint: 'Octal (0o17, 017), hex (0x1F), floats (443.0), exponents, 1_000 and 22:22 are not integers here.',
    });
    fixes.push({ path, value: source });
  };

  function position(node: unknown): Position | undefined {
    const range = (node as { range?: readonly number[] } | null)?.range;
    return range?.[0] === undefined ? undefined : at(range[0]);
  }

  if (problems.length === 0) walk(doc.contents, [], 0, false);
  if (problems.length > 0) throw yamlError(file, problems);

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: LIMITS.maxAliasCount });
  } catch (error) {
    throw yamlError(file, [{ file, message: describe(error) }], error);
  }
  for (const fix of fixes) setAt(value, fix.path, fix.value);

  return {
    file,
    value,
    lexical,
    locate: (path, of = 'value') => {
      if (of === 'key') {
        const k = keyPositions.get(formatPath(path));
        if (k !== undefined) return k;
      }
      for (let n = path.length; n >= 0; n--) {
        const p = positions.get(formatPath(path.slice(0, n)));
        if (p !== undefined) return p;
      }
      return { line: 1, column: 1 }; // an empty document has no nodes
    },
  };
}

function isNodeLike(node: unknown): node is Node {
  return isScalar(node) || isMap(node) || isSeq(node) || isAlias(node);
}
