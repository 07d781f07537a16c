import { describe, expect, it } from 'vitest';
import { selectInventory } from '../../../src/inventory/index.js';
import { failure, parse, yaml } from './helpers.js';

const inv = parse(yaml`
  version: 1
  environments:
    - name: staging
      hosts:
        - { name: stg-1, address: 10.0.0.1, transport: { kind: local }, bindings: [{ port: 443, kind: nginx, probe: { sni: none } }] }
    - name: prod
      hosts:
        - { name: web-1, address: 10.0.1.1, transport: { kind: local }, bindings: [{ port: 443, kind: nginx, probe: { sni: none } }] }
        - { name: web-2, address: 10.0.1.2, transport: { kind: local }, bindings: [{ port: 443, kind: nginx, probe: { sni: none } }] }
`);
const names = (i: ReturnType<typeof selectInventory>) =>
  i.environments.map((e) => `${e.name}:${e.hosts.map((h) => h.name).join(',')}`);

describe('--env and --host (like ansible --limit)', () => {
  it('keeps everything when nothing is named', () => {
    expect(names(selectInventory(inv, {}))).toEqual(['staging:stg-1', 'prod:web-1,web-2']);
  });

  it('keeps the hosts named, in whichever environment, and drops environments left empty', () => {
    expect(names(selectInventory(inv, { hosts: ['web-2', 'stg-1'] }))).toEqual([
      'staging:stg-1',
      'prod:web-2',
    ]);
    expect(names(selectInventory(inv, { envs: ['prod'], hosts: ['web-1'] }))).toEqual([
      'prod:web-1',
    ]);
  });

  it('refuses a name the inventory does not have, with the near miss and the known names', () => {
    const e = failure(() => selectInventory(inv, { hosts: ['web-3'] }));
    expect(e.code).toBe('USAGE');
    expect(e.message).toBe('--host web-3: no host of that name in inv.yaml.');
    expect(e.hint).toMatch(/^Did you mean web-\d\? Known: stg-1, web-1, web-2\.$/);
    // A host of another environment than the one selected is not in the selection.
    expect(
      failure(() => selectInventory(inv, { envs: ['staging'], hosts: ['web-1'] })).message,
    ).toBe('--host web-1: no host of that name in inv.yaml.');
    expect(failure(() => selectInventory(inv, { envs: ['prdo'] })).hint).toBe(
      'Did you mean prod? Known: staging, prod.',
    );
  });
});
