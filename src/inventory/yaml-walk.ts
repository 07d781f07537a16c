// The YAML reader's walk over a parsed document (yaml-source.ts): every node's position by field
// path (so each error can say line:column), and the checks the parser leaves to us: core tags
// only, bounded depth, no `__proto__` key, aliases that resolve, and integers written in decimal.
import { isAlias, isMap, isScalar, isSeq, Scalar, type Document, type Node, type Pair } from 'yaml';
import { type ErrorDetail } from '../errors.js';
import { LIMITS } from './limits.js';
import { formatPath, type Path } from './paths.js';
import { shortTag } from './yaml-util.js';

export interface Position {
  readonly line: number;
  readonly column: number;
  /** Set when the position is in another file than the inventory (Ansible's group_vars/). */
  readonly file?: string;
}

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

function isNodeLike(node: unknown): node is Node {
  return isScalar(node) || isMap(node) || isSeq(node) || isAlias(node);
}

/** One walk over one document; read its maps and lists after `walk`. */
export class YamlWalk {
  readonly positions = new Map<string, Position>();
  readonly keyPositions = new Map<string, Position>();
  /** Integers written otherwise (`0x1F`): reported by validation, with the field. */
  readonly lexical: ErrorDetail[] = [];
  /** Values to put back as written, so validation names what the file says (`0x1F`, not 31). */
  readonly fixes: { path: Path; value: string }[] = [];

  constructor(
    private readonly file: string,
    private readonly doc: Document.Parsed,
    private readonly extraTags: ReadonlySet<string>,
    private readonly at: (offset: number) => Position,
    /** Where problems that stop the reading go. */
    private readonly problems: ErrorDetail[],
  ) {}

  walk(node: unknown, path: Path, depth: number, free: boolean): void {
    if (depth > LIMITS.maxDepth) {
      this.problem(node, path, `nesting deeper than ${LIMITS.maxDepth} levels`);
      return;
    }
    if (!isNodeLike(node)) return;
    const pos = this.position(node);
    if (pos !== undefined) this.positions.set(formatPath(path), pos);
    const tag = (node as { tag?: string }).tag;
    if (tag !== undefined && !CORE_TAGS.has(tag) && !this.extraTags.has(tag)) {
      this.problem(
        node,
        path,
        `YAML tag ${shortTag(tag)} is not allowed; certroll reads plain YAML only (strings, numbers, booleans, null, maps, lists)`,
      );
    }
    if (isAlias(node)) {
      if (node.resolve(this.doc) === undefined) {
        this.problem(
          node,
          path,
          `alias *${node.source} refers to no anchor &${node.source} written before it`,
        );
      }
      return;
    }
    if (isMap(node)) {
      for (const pair of node.items) this.walkPair(pair, path, depth, free);
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => this.walk(item, [...path, i], depth + 1, free));
    }
  }

  private walkPair(pair: Pair, path: Path, depth: number, free: boolean): void {
    const key = pair.key;
    if (!isScalar(key) || typeof key.value === 'object') {
      this.problems.push({
        file: this.file,
        ...this.position(key),
        message: 'map keys must be plain strings',
      });
      return;
    }
    const name = typeof key.value === 'string' ? key.value : JSON.stringify(key.value);
    const childPath = [...path, name];
    if (name === '__proto__') {
      this.problem(
        key,
        childPath,
        'the key __proto__ is not allowed (it would alter objects, not name a field)',
      );
      return;
    }
    const keyPos = this.position(key);
    if (keyPos !== undefined) this.keyPositions.set(formatPath(childPath), keyPos);
    if (!free && INTEGER_KEYS.has(name)) this.checkInteger(pair.value, childPath);
    this.walk(pair.value, childPath, depth + 1, free || FREE_KEYS.has(name));
  }

  // `0o17`, `0x1F`, `017`, `443.0` all load as numbers; a port must look like what it is.
  // `1_000` and `22:22` were numbers in YAML 1.1 and are text in 1.2: say so rather than "string".
  private checkInteger(node: unknown, path: Path): void {
    if (!isScalar(node)) return;
    const plainText =
      typeof node.value === 'string' &&
      node.type === Scalar.PLAIN &&
      /^[-+]?[0-9][0-9_:.eE+-]*$/.test(node.value);
    if (typeof node.value !== 'number' && !plainText) return;
    const source = (node as Scalar & { source?: string }).source ?? String(node.value);
    if (node.type === Scalar.PLAIN && /^-?(0|[1-9][0-9]*)$/.test(source)) return;
    this.lexical.push({
      file: this.file,
      ...this.position(node),
      field: formatPath(path),
      message: `expected an integer written in decimal (e.g. 443), got ${source}`,
      hint: 'Octal (0o17, 017), hex (0x1F), floats (443.0), exponents, 1_000 and 22:22 are not integers here.',
    });
    this.fixes.push({ path, value: source });
  }

  private problem(node: unknown, path: Path, message: string): void {
    this.problems.push({
      file: this.file,
      ...this.position(node),
      field: formatPath(path),
      message,
    });
  }

  position(node: unknown): Position | undefined {
    const range = (node as { range?: readonly number[] } | null)?.range;
    return range?.[0] === undefined ? undefined : this.at(range[0]);
  }
}
