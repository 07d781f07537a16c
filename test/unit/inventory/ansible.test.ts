import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  detectFormat,
  loadInventory,
  parseAnsibleList,
  parseAnsibleYaml,
  type Inventory,
} from '../../../src/inventory/index.js';
import { expandHostPattern } from '../../../src/inventory/ansible/yaml-structure.js';
import { failure, OPTS, yaml } from './helpers.js';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../../fixtures/inventory/ansible/${name}`, import.meta.url));
const read = (name: string): string => readFileSync(fixture(name), 'utf8');

// What planning sees, without where it came from.
function shape(inv: Inventory): unknown {
  return inv.environments.map((e) => ({
    name: e.name,
    policy: e.policy,
    hosts: e.hosts.map((h) => ({
      name: h.name,
      address: h.address,
      transport: h.transport,
      bindings: h.bindings.map((b) => ({
        id: b.id,
        port: b.port,
        kind: b.kind,
        params: b.params,
        probe: b.probe,
      })),
    })),
  }));
}

describe('an Ansible YAML inventory', () => {
  const inv = parseAnsibleYaml(read('hosts.yaml'), 'hosts.yaml', OPTS);
  const hosts = Object.fromEntries(
    inv.environments.flatMap((e) => e.hosts).map((h) => [h.name, h]),
  );

  it('makes each top-level group an environment, in the order written', () => {
    expect(inv.environments.map((e) => e.name)).toEqual(['staging', 'production']);
    expect(inv.environments[1]!.hosts.map((h) => h.name)).toEqual([
      'web01',
      'web02',
      'app-01',
      'app-02',
    ]);
  });

  it('takes only hosts that have certroll_bindings', () => {
    expect(hosts['db-01']).toBeUndefined();
  });

  it('expands host ranges such as web[01:02]', () => {
    expect(hosts['web01']).toBeDefined();
    expect(hosts['web02']).toBeDefined();
  });

  it('maps ansible_host, ansible_user, the private key and ansible_become to the ssh transport', () => {
    expect(hosts['stg-web-01']!.address).toBe('10.0.4.7');
    expect(hosts['stg-web-01']!.transport).toMatchObject({
      kind: 'ssh',
      port: 22,
      user: 'deploy',
      identityFile: '/home/ops/.ssh/id_ed25519',
      knownHosts: ['/home/ops/.ssh/known_hosts'],
      sudo: true,
    });
  });

  it('uses the inventory host name as the address when ansible_host is absent', () => {
    expect(hosts['web01']!.address).toBe('web01');
  });

  it('maps ssh with ansible_shell_type powershell to powershell-ssh, keeping ansible_port', () => {
    expect(hosts['app-01']!.transport).toMatchObject({ kind: 'powershell-ssh', port: 2222 });
  });

  it('maps winrm to pwsh-remoting and merges certroll_transport over the Ansible vars', () => {
    expect(hosts['app-02']!.transport).toMatchObject({
      kind: 'pwsh-remoting',
      port: 5986,
      user: 'CORP\\svc',
      password: { from: 'env', name: 'WINRM_PASSWORD' },
    });
  });

  it('never takes ansible_password (here a !vault value) into the model', () => {
    expect(JSON.stringify(inv)).not.toContain('ANSIBLE_VAULT');
  });

  it('inherits certroll_bindings and certroll_policy from group vars', () => {
    expect(hosts['web02']!.bindings.map((b) => [b.port, b.kind, b.probe.sni])).toEqual([
      [443, 'nginx', ['www.example.com']],
    ]);
    expect(inv.environments[1]!.policy).toMatchObject({
      canary: ['web01'],
      batchSize: 2,
      approval: true,
    });
    expect(inv.environments[0]!.policy).toMatchObject({ canary: ['stg-web-01'], soakMs: 60_000 });
  });

  it('resolves to the same tree as the ansible-inventory --list JSON of the same inventory', () => {
    const fromJson = parseAnsibleList(read('list.json'), 'list.json', OPTS);
    expect(shape(fromJson)).toEqual(shape(inv));
  });
});

describe('Ansible inventory problems', () => {
  const parseYaml = (text: string): Inventory => parseAnsibleYaml(text, 'hosts.yaml', OPTS);

  it('a bad port in group vars is reported at the group var, naming the host and variable', () => {
    const error = failure(() =>
      parseYaml(yaml`
        all:
          children:
            prod:
              hosts:
                web01: { ansible_host: 10.0.0.1 }
              vars:
                certroll_bindings:
                  - { port: 0o17, kind: nginx, probe: { sni: none } }
      `),
    );
    expect(error.code).toBe('INVENTORY_INVALID');
    expect(error.details[0]).toMatchObject({
      file: 'hosts.yaml',
      line: 8,
      column: 21,
      message: expect.stringMatching(/integer written in decimal/),
    });
  });

  it('a bad SNI is reported with the host var path and its line', () => {
    const error = failure(() =>
      parseYaml(yaml`
        prod:
          hosts:
            web01:
              ansible_host: 10.0.0.1
              certroll_bindings:
                - { port: 443, kind: nginx, probe: { sni: [10.9.9.9] } }
      `),
    );
    expect(error.details).toHaveLength(1);
    expect(error.details[0]).toMatchObject({
      field: 'hostvars[web01].certroll_bindings[0].probe.sni[0]',
      line: 6,
      column: 52,
      message: expect.stringMatching(/never an IP address/),
    });
  });

  it('a host in two top-level groups is refused as having no clear environment', () => {
    const error = failure(() =>
      parseYaml(yaml`
        staging:
          hosts:
            web01: { certroll_bindings: [{ port: 443, kind: nginx }] }
        prod:
          hosts:
            web01:
      `),
    );
    expect(error.details[0]).toMatchObject({ field: 'hostvars[web01]', line: 3, column: 5 });
    expect(error.details[0]!.message).toMatch(/several top-level groups \(staging, prod\)/);
    expect(error.details[0]!.hint).toMatch(/certroll_environment/);
  });

  it('an inventory where no host has certroll_bindings is refused', () => {
    const error = failure(() => parseYaml('all:\n  hosts:\n    web01:\n'));
    expect(error.code).toBe('INVENTORY_INVALID');
    expect(error.details[0]!.message).toMatch(/no host has a certroll_bindings variable/);
  });

  it('an unsupported ansible_connection is refused at that variable', () => {
    const error = failure(() =>
      parseYaml(yaml`
        prod:
          hosts:
            web01: { ansible_connection: docker, certroll_bindings: [{ port: 443, kind: nginx }] }
      `),
    );
    expect(error.details[0]).toMatchObject({
      field: 'hostvars[web01].ansible_connection',
      line: 3,
      column: 34,
      message: 'ansible_connection "docker" is not supported',
    });
  });

  it('an unknown key in a group is refused at that key', () => {
    const error = failure(() => parseYaml('prod:\n  host:\n    web01:\n'));
    expect(error.details[0]).toMatchObject({ field: 'prod.host', line: 2, column: 3 });
  });

  it('a custom tag other than !vault and !unsafe is still refused', () => {
    const error = failure(() => parseYaml('prod:\n  vars:\n    x: !include other.yml\n'));
    expect(error.code).toBe('INVENTORY_YAML');
  });
});

describe('certroll_environment', () => {
  it('places hosts in environments by variable, ordered by certroll_environments', () => {
    const inv = parseAnsibleYaml(
      yaml`
        all:
          vars:
            certroll_environments: [test, prod]
            certroll_bindings: [{ port: 443, kind: nginx }]
          children:
            europe:
              hosts:
                eu-prod.example.com: { certroll_environment: prod }
                eu-test.example.com: { certroll_environment: test }
            america:
              hosts:
                us-prod.example.com: { certroll_environment: prod }
      `,
      'hosts.yaml',
      OPTS,
    );
    expect(inv.environments.map((e) => [e.name, e.hosts.map((h) => h.name)])).toEqual([
      ['test', ['eu-test.example.com']],
      ['prod', ['eu-prod.example.com', 'us-prod.example.com']],
    ]);
  });
});

describe('ansible-inventory JSON', () => {
  it('that is not JSON is refused as INVENTORY_YAML', () => {
    expect(failure(() => parseAnsibleList('{nope', 'x.json')).code).toBe('INVENTORY_YAML');
  });

  it('whose groups are not objects is refused, saying how to produce it', () => {
    const error = failure(() =>
      parseAnsibleList('{"_meta": {"hostvars": {}}, "web": []}', 'x.json'),
    );
    expect(error.code).toBe('INVENTORY_INVALID');
    expect(error.hint).toMatch(/ansible-inventory -i INVENTORY --list/);
  });
});

describe('format detection and loading', () => {
  it('recognises certroll, Ansible YAML, ansible-inventory JSON and Ansible INI', () => {
    expect(
      detectFormat(
        readFileSync(new URL('../../../inventories/linux-web.yaml', import.meta.url), 'utf8'),
      ),
    ).toBe('certroll');
    expect(detectFormat(read('hosts.yaml'))).toBe('ansible');
    expect(detectFormat(read('list.json'))).toBe('ansible-json');
    expect(detectFormat(read('ini-layout/hosts.ini'))).toBe('ansible-ini');
    expect(detectFormat(read('docs/basic.ini'))).toBe('ansible-ini');
    expect(detectFormat('mail.example.com\nweb1 ansible_port=2222\nweb[01:03]:2200\n')).toBe(
      'ansible-ini',
    );
    // A misspelt certroll inventory stays certroll's, for its own error messages.
    expect(detectFormat('enviroments:\n')).toBe('certroll');
    expect(detectFormat('versoin: 1\n')).toBe('certroll');
  });

  it('reads an Ansible YAML file without being told its format', () => {
    expect(loadInventory(fixture('hosts.yaml'), OPTS).environments).toHaveLength(2);
  });

  it('runs the injected ansible-inventory when told to, and pins the digest to its output', () => {
    const seen: string[] = [];
    const inv = loadInventory(fixture('ini-layout/hosts.ini'), {
      ...OPTS,
      format: 'ansible-inventory',
      ansibleInventory: (p) => {
        seen.push(p);
        return read('list.json');
      },
    });
    expect(seen).toEqual([fixture('ini-layout/hosts.ini')]);
    expect(inv.environments.map((e) => e.name)).toEqual(['staging', 'production']);
  });

  it('refuses the ansible-inventory format when no ansible-inventory runner is given', () => {
    const run = (): unknown =>
      loadInventory(fixture('ini-layout/hosts.ini'), { ...OPTS, format: 'ansible-inventory' });
    expect(failure(run).code).toBe('USAGE');
  });
});

describe('host ranges', () => {
  it.each([
    ['web[01:03].example.com', ['web01.example.com', 'web02.example.com', 'web03.example.com']],
    ['db[a:c]', ['dba', 'dbb', 'dbc']],
    ['n[1:5:2]', ['n1', 'n3', 'n5']],
    ['plain', ['plain']],
  ])('%s expands to %j', (pattern, hosts) => {
    expect(expandHostPattern(pattern)).toEqual(hosts);
  });

  it('a range of more than 10 000 hosts is refused', () => {
    expect(typeof expandHostPattern('h[0:99999]')).toBe('string');
  });
});
