// `inventory check` refuses what `plan` would: with coldStartCheck, every binding must be
// restartable (a restart step, and its restartCommand where the kind takes one).
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../../src/inventory/index.js';
import { bindingRules, loadPlaybooks } from '../../../src/playbooks/index.js';
import { failure, OPTS, yaml } from './helpers.js';

const rules = bindingRules(loadPlaybooks());
const check = (text: string) =>
  parseInventory(text, 'inv.yaml', { ...OPTS, bindingRules: () => rules });

const inventory = (coldStartCheck: boolean, binding: string) => yaml`
  version: 1
  environments:
    - name: prod
      policy: { coldStartCheck: ${coldStartCheck} }
      hosts:
        - name: web-01
          address: web-01.example.com
          bindings:
            - ${binding}
`;
const B = 'environments[0].hosts[0].bindings[0]';
const NGINX = 'kind: nginx, port: 443, params: { certPath: /a.crt, keyPath: /a.key';

describe('coldStartCheck in inventory check', () => {
  it('refuses an nginx binding without restartCommand, at its params.restartCommand', () => {
    const error = failure(() => check(inventory(true, `{ ${NGINX} } }`)));
    expect(error.details).toHaveLength(1);
    expect(error.details[0]).toMatchObject({
      field: `${B}.params.restartCommand`,
      line: 9,
      message: 'the cold-start check needs params.restartCommand (e.g. systemctl restart nginx)',
    });
  });

  it('refuses a kind that has no restart step, at its kind', () => {
    const error = failure(() =>
      check(inventory(true, '{ kind: windows-service, port: 443, params: { service: W3SVC } }')),
    );
    expect(error.details[0]).toMatchObject({ field: `${B}.kind`, line: 9 });
    expect(error.details[0]?.message).toMatch(/windows-service has no restart step/);
  });

  it('accepts the binding with restartCommand, and without the check', () => {
    expect(() =>
      check(inventory(true, `{ ${NGINX}, restartCommand: 'systemctl restart nginx' } }`)),
    ).not.toThrow();
    expect(() => check(inventory(false, `{ ${NGINX} } }`))).not.toThrow();
  });
});
