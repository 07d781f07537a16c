// A near miss of a binding kind or a playbook parameter is refused by the inventory's own
// validation (what `inventory check` runs) with the name it was probably meant to be.
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../../src/inventory/index.js';
import { bindingRules, loadPlaybooks } from '../../../src/playbooks/index.js';
import { fieldsAt } from '../../../src/inventory/schema-fields.js';
import { inventoryInput } from '../../../src/inventory/schema.js';
import { failure, OPTS, parse, withBinding, yaml } from './helpers.js';

const B = 'environments[0].hosts[0].bindings[0]';
const rules = bindingRules(loadPlaybooks());

function problems(binding: string) {
  const error = failure(() =>
    parseInventory(withBinding(binding), 'inv.yaml', { ...OPTS, bindingRules: () => rules }),
  );
  expect(error.code).toBe('INVENTORY_INVALID');
  return error.details;
}

describe('a near miss', () => {
  it('of a binding kind (ngnix) is refused with "did you mean nginx?", at the kind', () => {
    const [d, ...rest] = problems('port: 443\nkind: ngnix\nprobe: { sni: [www.example.com] }');
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ file: 'inv.yaml', line: 9, field: `${B}.kind` });
    expect(d?.message).toMatch(/binding kind ngnix has no playbook/);
    expect(d?.hint).toMatch(/^Did you mean nginx\? /);
  });

  it('of a parameter name (certpath) is refused with "did you mean certPath?", at the key', () => {
    const details = problems(
      'port: 443\nkind: nginx\nparams: { certpath: /etc/a.crt, keyPath: /etc/a.key }',
    );
    const d = details.find((x) => x.field === `${B}.params.certpath`);
    expect(d?.message).toMatch(/unknown parameter "certpath" for binding kind nginx/);
    expect(d?.hint).toMatch(/^Did you mean certPath\? Parameters of nginx: /);
    expect(d?.line).toBe(10);
  });

  it('far from every known name gets the list, without a guess', () => {
    const [d] = problems('port: 443\nkind: apache');
    expect(d?.hint).not.toMatch(/Did you mean/);
    expect(d?.message).toMatch(/known: .*nginx/);
  });
});

describe('the playbook registry', () => {
  it('refuses an unknown kind at plan time with the same guess', () => {
    const error = failure(() => loadPlaybooks().get('haprxy'));
    expect(error.code).toBe('PLAYBOOK_NOT_FOUND');
    expect(error.hint).toMatch(/^Did you mean haproxy\? Known kinds: /);
  });
});

describe('an unknown inventory field', () => {
  function hintFor(text: string, field: string): string | undefined {
    const error = failure(() => parse(text));
    const d = error.details.find((x) => x.field === field);
    expect(d?.message, `no problem at ${field}`).toMatch(/unknown field/);
    return d?.hint;
  }

  it.each([
    ['policy', 'canry: 1', 'canary'],
    ['policy', 'batchsize: 2', 'batchSize'],
    ['policy', 'onFaliure: halt', 'onFailure'],
    ['transport', 'identityfile: ~/.ssh/id', 'identityFile'],
    ['transport', 'knowHosts: ~/.ssh/known_hosts', 'knownHosts'],
  ])('in %s (%s) is refused with "did you mean %s?"', (where, line, want) => {
    const key = line.split(':')[0] ?? '';
    const text = yaml`
      version: 1
      defaults:
        ${where}: { ${line} }
      environments:
        - name: prod
          hosts: [{ name: web-01, address: 10.0.0.1 }]
    `;
    expect(hintFor(text, `defaults.${where}.${key}`)).toMatch(
      new RegExp(`^Did you mean ${want}\\? Check the spelling`),
    );
  });

  it('at the top and in a probe gets the nearest field there', () => {
    const text = yaml`
      version: 1
      enviroments: []
    `;
    expect(hintFor(text, 'enviroments')).toMatch(/^Did you mean environments\?/);
    const probe = withBinding('port: 443\nkind: nginx\nprobe: { snis: [www.example.com] }');
    expect(hintFor(probe, 'environments[0].hosts[0].bindings[0].probe.snis')).toMatch(
      /^Did you mean sni\?/,
    );
  });

  it('far from every field there gets no guess', () => {
    const text = yaml`
      version: 1
      defaults:
        policy: { retries: 3 }
      environments:
        - name: prod
          hosts: [{ name: web-01, address: 10.0.0.1 }]
    `;
    expect(hintFor(text, 'defaults.policy.retries')).toMatch(/^Check the spelling/);
  });
});

describe('fieldsAt', () => {
  it('finds the fields of objects through lists, optionals and unions', () => {
    expect(fieldsAt(inventoryInput, [])).toEqual([
      'version',
      'playbooks',
      'defaults',
      'notifications',
      'environments',
    ]);
    expect(fieldsAt(inventoryInput, ['defaults', 'policy'])).toContain('coldStartCheck');
    expect(
      fieldsAt(inventoryInput, ['environments', 0, 'hosts', 3, 'bindings', 1, 'probe', 'pool']),
    ).toEqual(['members', 'vip', 'vipSamples']);
    expect(fieldsAt(inventoryInput, ['defaults', 'transport', 'password'])).toEqual([
      'env',
      'file',
    ]);
    expect(fieldsAt(inventoryInput, ['environments', 0, 'name'])).toEqual([]);
    expect(fieldsAt(inventoryInput, ['nowhere', 'at', 'all'])).toEqual([]);
  });
});
