import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LIMITS, loadInventory } from '../../../src/inventory/index.js';
import { expectProblem, failure, parse, withBinding } from './helpers.js';

const B = 'environments[0].hosts[0].bindings[0]';

describe('YAML that certroll refuses', () => {
  it('a custom tag such as !foo is refused with its position', () => {
    const error = failure(() => parse(withBinding('port: 443\nkind: !foo nginx')));
    expect(error.code).toBe('INVENTORY_YAML');
    expect(error.details[0]).toMatchObject({ line: 9, column: 19 });
    expect(error.details[0]!.message).toMatch(/!foo; certroll accepts no custom YAML tags/);
  });

  it('a language tag such as !!python/object is refused', () => {
    const error = failure(() =>
      parse(withBinding('port: 443\nkind: nginx\nparams: { x: !!python/object:os.system ls }')),
    );
    expect(error.code).toBe('INVENTORY_YAML');
    expect(error.details[0]!.message).toMatch(/!!python\/object:os.system/);
    expect(error.details[0]).toMatchObject({ line: 10, column: 26 });
  });

  it('a YAML 1.1 tag such as !!binary is refused even inside params', () => {
    expectProblem(withBinding('port: 443\nkind: nginx\nparams: { blob: !!binary aGVsbG8= }'), {
      code: 'INVENTORY_YAML',
      field: `${B}.params.blob`,
      line: 10,
      column: 38,
      message: /YAML tag !!binary is not allowed/,
    });
  });

  it('a syntax error is reported with its line and column', () => {
    const error = failure(() => parse('version: 1\nenvironments:\n  - name: a\n   hosts: []\n'));
    expect(error.code).toBe('INVENTORY_YAML');
    expect(error.details[0]).toMatchObject({ file: 'inv.yaml', line: 4 });
    expect(error.message).toMatch(/not valid YAML/);
  });

  it('two YAML documents in one file are refused, saying to split them', () => {
    expectProblem('version: 1\n---\nversion: 1\n', {
      code: 'INVENTORY_YAML',
      field: undefined,
      line: 2,
      column: 1,
      message: /one YAML document/,
    });
  });

  it('a key written twice in one map is refused', () => {
    const error = failure(() => parse(withBinding('port: 443\nport: 444\nkind: nginx')));
    expect(error.code).toBe('INVENTORY_YAML');
    expect(error.details[0]).toMatchObject({ line: 9, column: 13 });
    expect(error.details[0]!.message).toMatch(/unique/);
  });

  it('an alias bomb fails fast, in little time and memory', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const before = process.memoryUsage().heapUsed;
    const started = performance.now();
    const error = failure(() => parse(`${levels.join('\n')}\n`));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
    expect(error.code).toBe('INVENTORY_YAML');
    expect(error.details[0]!.message).toMatch(/alias/);
  });

  it('nesting deeper than the limit is refused, not a stack overflow', () => {
    const deep = `version: 1\nx: ${'['.repeat(LIMITS.maxDepth + 5)}${']'.repeat(LIMITS.maxDepth + 5)}\n`;
    const error = failure(() => parse(deep));
    expect(error.code).toBe('INVENTORY_YAML');
    expect(error.details[0]!.message).toMatch(/nesting deeper than 64 levels/);
  });

  it('pathological nesting of 100 000 brackets ends in an error, not a crash', () => {
    const error = failure(() => parse(`x: ${'['.repeat(100_000)}`));
    expect(error.code).toBe('INVENTORY_YAML');
  });

  it('text larger than 4 MiB is refused as INPUT_TOO_LARGE before it is parsed', () => {
    const error = failure(() => parse(`# ${'x'.repeat(LIMITS.maxBytes)}\n`));
    expect(error.code).toBe('INPUT_TOO_LARGE');
  });
});

describe('YAML 1.2 core schema', () => {
  const params = (text: string): Readonly<Record<string, unknown>> =>
    parse(withBinding(`port: 443\nkind: nginx\nparams: ${text}`)).environments[0]!.hosts[0]!
      .bindings[0]!.params;

  it('reads 0777 as decimal 777, never as octal 511', () => {
    expect(params('{ mode: 0777 }')).toEqual({ mode: 777 });
  });

  it('keeps 22:30 as text, never a sexagesimal number', () => {
    expect(params('{ at: 22:30 }')).toEqual({ at: '22:30' });
  });

  it('keeps yes, no and on as text, never booleans', () => {
    expect(params('{ a: yes, b: no, c: on }')).toEqual({ a: 'yes', b: 'no', c: 'on' });
  });

  it('allows aliases within the limit, as the Business Central example uses them', () => {
    const text = `${withBinding('port: 443\nkind: nginx\nparams: &p { a: 1 }')}          - { port: 444, kind: nginx, params: *p }\n`;
    const inv = parse(text);
    expect(inv.environments[0]!.hosts[0]!.bindings.map((b) => b.params)).toEqual([
      { a: 1 },
      { a: 1 },
    ]);
  });
});

describe('loadInventory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'certroll-inv-'));

  it('pins the digest to the SHA-256 of the file bytes', () => {
    const text = withBinding('port: 443\nkind: nginx');
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, text);
    const inv = loadInventory(file, { home: '/home/ops' });
    expect(inv.digest).toBe(createHash('sha256').update(Buffer.from(text)).digest('hex'));
    expect(inv.source).toBe(file);
  });

  it('reads a relative path from the given cwd, keeps it as the source, and resolves paths next to the file', () => {
    const text = withBinding('port: 443\nkind: nginx').replace(
      'version: 1\n',
      'version: 1\nplaybooks: [./mine]\n',
    );
    writeFileSync(join(dir, 'rel.yaml'), text);
    const inv = loadInventory('rel.yaml', { cwd: dir, home: '/home/ops' });
    expect(inv.source).toBe('rel.yaml');
    expect(inv.playbookDirs).toEqual([join(dir, 'mine')]);
  });

  it('reports a missing file as INPUT_NOT_FOUND', () => {
    expect(failure(() => loadInventory(join(dir, 'nope.yaml'))).code).toBe('INPUT_NOT_FOUND');
  });

  it('reports a folder as INPUT_UNREADABLE', () => {
    expect(failure(() => loadInventory(dir)).code).toBe('INPUT_UNREADABLE');
  });

  it('reports a file that is not UTF-8 as INPUT_UNREADABLE', () => {
    const file = join(dir, 'latin1.yaml');
    writeFileSync(file, Buffer.from([0x76, 0x3a, 0x20, 0xe9, 0x0a]));
    expect(failure(() => loadInventory(file)).code).toBe('INPUT_UNREADABLE');
  });

  it('refuses a file over 4 MiB without reading it', () => {
    const file = join(dir, 'big.yaml');
    writeFileSync(file, Buffer.alloc(LIMITS.maxBytes + 1, 0x20));
    expect(failure(() => loadInventory(file)).code).toBe('INPUT_TOO_LARGE');
  });
});

describe('an alias', () => {
  it('used before its anchor is refused at the alias', () => {
    expectProblem('version: 1\nenvironments: *envs\nx: &envs []\n', {
      code: 'INVENTORY_YAML',
      field: 'environments',
      line: 2,
      column: 15,
      message: /alias \*envs refers to no anchor &envs written before it/,
    });
  });
});
