// Safe YAML reading: YAML 1.2 core schema, no custom tags, bounded aliases and depth, and a map
// from every field path to its file position so that each error can say line:column. The walk
// over the parsed document (positions and the checks) is in yaml-walk.ts.
import { LineCounter, parseDocument, type Document } from 'yaml';
import { CertrollError, type ErrorDetail } from '../errors.js';
import { LIMITS } from './limits.js';
import { formatPath, type Path } from './paths.js';
import { describe, firstLine, setAt, shortTag, yamlError } from './yaml-util.js';
import { YamlWalk, type Position } from './yaml-walk.js';

export { LIMITS };

export type { Position };

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
  checkSize(text, file);
  const lineCounter = new LineCounter();
  const at = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const extra = new Set(options.extraTags ?? []);
  const doc = parse(text, file, lineCounter, extra);
  const problems = parserProblems(doc, file, at);
  const walk = new YamlWalk(file, doc, extra, at, problems);
  if (problems.length === 0) walk.walk(doc.contents, [], 0, false);
  if (problems.length > 0) throw yamlError(file, problems);

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: LIMITS.maxAliasCount });
  } catch (error) {
    throw yamlError(file, [{ file, message: describe(error) }], error);
  }
  for (const fix of walk.fixes) setAt(value, fix.path, fix.value);
  return { file, value, lexical: walk.lexical, locate: locator(walk) };
}

function checkSize(text: string, file: string): void {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > LIMITS.maxBytes) {
    throw new CertrollError(
      'INPUT_TOO_LARGE',
      `the inventory is ${bytes} bytes; it may be at most ${LIMITS.maxBytes} bytes`,
      { file, hint: 'Split the inventory into several files, one per environment.' },
    );
  }
}

/** YAML 1.2, core schema, unique keys; the extra tags (Ansible's) resolve as strings. */
function parse(
  text: string,
  file: string,
  lineCounter: LineCounter,
  extra: ReadonlySet<string>,
): Document.Parsed {
  try {
    return parseDocument(text, {
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
}

/** The parser's errors and warnings, worded for an inventory's author. */
function parserProblems(
  doc: Document.Parsed,
  file: string,
  at: (offset: number) => Position,
): ErrorDetail[] {
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
  return problems;
}

/** Position of the value (or key) at `path`, or of its nearest ancestor that exists. */
function locator(walk: YamlWalk): YamlSource['locate'] {
  return (path, of = 'value') => {
    if (of === 'key') {
      const k = walk.keyPositions.get(formatPath(path));
      if (k !== undefined) return k;
    }
    for (let n = path.length; n >= 0; n--) {
      const p = walk.positions.get(formatPath(path.slice(0, n)));
      if (p !== undefined) return p;
    }
    return { line: 1, column: 1 }; // an empty document has no nodes
  };
}
