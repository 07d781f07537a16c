import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CertrollError } from '../../../src/errors.js';
import { loadPlaybooks, parsePlaybook } from '../../../src/playbooks/load.js';
import { tempDir } from '../../helpers/temp.js';

const tmp = tempDir('certroll-load-');

const minimal = (kind: string, extra = ''): string =>
  [
    `kind: ${kind}`,
    'description: test kind',
    'shell: sh',
    extra,
    'params:',
    '  target:',
    '    type: path',
    '    required: true',
    '    description: a file',
    'steps:',
    '  preflight: "true"',
    '  capture: echo {}',
    '  stage: "true"',
    '  bind: |',
    '    cp -- {{ staged.cert }} {{ param.target }}',
    '  rollback: "true"',
    '  cleanup: "true"',
    '',
  ].join('\n');

function thrown(fn: () => unknown): CertrollError {
  try {
    fn();
  } catch (error) {
    return error as CertrollError;
  }
  throw new Error('expected an error');
}

describe('loading playbooks', () => {
  it('loads every built-in kind from the package folder', () => {
    expect(loadPlaybooks().kinds).toEqual([
      'bc-service-tier',
      'haproxy',
      'iis',
      'netsh-http',
      'nginx',
      'pem-files',
      'windows-service',
    ]);
  });

  it('names the unknown kind and lists the known ones', () => {
    const e = thrown(() => loadPlaybooks().get('apache', { file: 'inv.yaml', line: 7 }));
    expect(e.code).toBe('PLAYBOOK_NOT_FOUND');
    expect(e.message).toContain('"apache"');
    expect(e.hint).toContain('nginx, pem-files');
    expect(e.location).toMatchObject({ file: 'inv.yaml', line: 7 });
  });

  it('reports an unknown field with file:line:column', () => {
    const text = minimal('mine').replace('shell: sh', 'shell: sh\nsheel: typo');
    const e = thrown(() => parsePlaybook(text, '/x/mine.yaml'));
    expect(e.code).toBe('PLAYBOOK_INVALID');
    expect(e.message).toContain('/x/mine.yaml:4:1');
    expect(e.message).toContain('unknown field "sheel"');
  });

  it('reports a wrong value with the position of the value', () => {
    const e = thrown(() =>
      parsePlaybook(minimal('mine').replace('shell: sh', 'shell: zsh'), 'mine.yaml'),
    );
    expect(e.details[0]).toMatchObject({ line: 3, column: 8, field: 'shell' });
  });

  it('reports a placeholder for an undeclared parameter on its line in the file', () => {
    const text = minimal('mine').replace('{{ param.target }}', '{{ param.tagret }}');
    const e = thrown(() => parsePlaybook(text, 'mine.yaml'));
    expect(e.message).toContain('mine.yaml:15:1');
    expect(e.message).toContain('param.tagret');
  });

  it.each([
    ['{{ secret.key }}', 'unknown placeholder root'],
    ['{{ param.target | raw }}', 'malformed placeholder'],
    ['{{ staged.password }}', 'unknown placeholder'],
    ['{{ param.target }', 'unbalanced'],
  ])('rejects the placeholder %s', (placeholder, message) => {
    const text = minimal('mine').replace('{{ param.target }}', placeholder);
    expect(thrown(() => parsePlaybook(text, 'mine.yaml')).message).toContain(message);
  });

  it('requires the kind to match the file name and defaults to fit their type', () => {
    expect(thrown(() => parsePlaybook(minimal('mine'), 'other.yaml')).message).toContain(
      'must match the file name',
    );
    const text = minimal('mine').replace(
      'params:',
      'params:\n  n:\n    type: int\n    default: "3"\n    description: a number',
    );
    expect(thrown(() => parsePlaybook(text, 'mine.yaml')).message).toContain('expected an integer');
  });

  it('refuses material the shell cannot receive', () => {
    const text = minimal('mine', 'material: pfx');
    expect(thrown(() => parsePlaybook(text, 'mine.yaml')).message).toContain(
      'a sh playbook takes pem material',
    );
  });

  it('loads user folders after the built-ins and refuses a silent override', () => {
    const a = join(tmp, 'a');
    const b = join(tmp, 'b');
    mkdirSync(a);
    mkdirSync(b);
    writeFileSync(join(a, 'custom-tls.yaml'), minimal('custom-tls'));
    const reg = loadPlaybooks({ userDirs: [a] });
    expect(reg.get('custom-tls').builtin).toBe(false);
    expect(reg.get('nginx').builtin).toBe(true);

    writeFileSync(join(b, 'nginx.yaml'), minimal('nginx'));
    const e = thrown(() => loadPlaybooks({ userDirs: [a, b] }));
    expect(e.code).toBe('PLAYBOOK_INVALID');
    expect(e.hint).toContain('overrideBuiltin: true');

    writeFileSync(join(b, 'nginx.yaml'), minimal('nginx', 'overrideBuiltin: true'));
    expect(loadPlaybooks({ userDirs: [a, b] }).get('nginx').source).toBe(join(b, 'nginx.yaml'));

    // The same kind in two user folders is always an error.
    writeFileSync(join(b, 'custom-tls.yaml'), minimal('custom-tls'));
    expect(thrown(() => loadPlaybooks({ userDirs: [a, b] })).message).toContain('already defined');
  });

  it('fails with PLAYBOOK_NOT_FOUND for a missing folder', () => {
    expect(thrown(() => loadPlaybooks({ userDirs: [join(tmp, 'nope')] })).code).toBe(
      'PLAYBOOK_NOT_FOUND',
    );
  });
});
