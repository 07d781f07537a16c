// Reads one playbook file as YAML 1.2 (core schema, unique keys) and keeps the document so that
// every validation problem can name file:line:column.
import { isMap, isNode, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { CertrollError, type ErrorDetail } from '../errors.js';

export interface PlaybookYaml {
  readonly file: string;
  readonly value: unknown;
  /** Position of the node at `path` (or of its key), or of its nearest existing ancestor. */
  locate(
    path: readonly (string | number)[],
    of?: 'key' | 'value',
  ): { line: number; column: number } | undefined;
}

const MAX_BYTES = 1024 * 1024;

export function readPlaybookYaml(text: string, file: string): PlaybookYaml {
  if (Buffer.byteLength(text, 'utf8') > MAX_BYTES) {
    throw invalid(file, [{ file, message: `larger than ${MAX_BYTES} bytes` }]);
  }
  const lineCounter = new LineCounter();
  const doc: Document.Parsed = parseDocument(text, {
    lineCounter,
    schema: 'core',
    version: '1.2',
    uniqueKeys: true,
    prettyErrors: false,
  });
  const at = (offset: number): { line: number; column: number } => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const problems: ErrorDetail[] = [...doc.errors, ...doc.warnings].map((e) => ({
    file,
    ...at(e.pos[0]),
    message: e.message.split('\n')[0] ?? e.message,
  }));
  if (problems.length > 0) throw invalid(file, problems);
  const value: unknown = doc.toJS({ maxAliasCount: 50 });
  return {
    file,
    value,
    locate(path, of = 'value') {
      if (of === 'key' && path.length > 0) {
        const parent: unknown = doc.getIn(path.slice(0, -1), true);
        const last = path[path.length - 1];
        const pair = isMap(parent)
          ? parent.items.find((p) => isScalar(p.key) && p.key.value === last)
          : undefined;
        if (isScalar(pair?.key) && pair.key.range) return at(pair.key.range[0]);
      }
      for (let n = path.length; n >= 0; n--) {
        const node: unknown = doc.getIn(path.slice(0, n), true);
        if (isNode(node) && node.range) return at(node.range[0]);
      }
      return undefined;
    },
  };
}

export function invalid(file: string, details: readonly ErrorDetail[]): CertrollError {
  const first = details[0];
  const where = first?.line !== undefined ? `${file}:${first.line}:${first.column ?? 1}` : file;
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
  return new CertrollError(
    'PLAYBOOK_INVALID',
    `Playbook ${where}: ${first?.field !== undefined ? `${first.field}: ` : ''}${first?.message ?? 'invalid'}${more}`,
    {
      file,
      line: first?.line,
      column: first?.column,
      field: first?.field,
      details,
      hint: 'Fix the playbook file; see docs/playbooks.md for the format.',
    },
  );
}
