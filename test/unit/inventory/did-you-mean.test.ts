// A near miss of a binding kind or a playbook parameter is refused by the inventory's own
// validation (what `inventory check` runs) with the name it was probably meant to be.
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../../src/inventory/index.js';
import { bindingRules, loadPlaybooks } from '../../../src/playbooks/index.js';
import { failure, OPTS, withBinding } from './helpers.js';

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
