// Ansible's INI inventories and their group_vars/ and host_vars/ folders, read without Ansible:
// the examples of Ansible's own documentation (INI and YAML forms must agree), and a layout that
// drives certroll (it must resolve to the same tree as the YAML inventory of the same hosts).
import { chmodSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { effectiveHosts } from '../../../src/inventory/ansible/groups.js';
import { parseIniValue, readAnsibleIni } from '../../../src/inventory/ansible/ini.js';
import { proxyJumpOf } from '../../../src/inventory/ansible/map.js';
import { readAnsibleYamlSource } from '../../../src/inventory/ansible/parse.js';
import { type AnsibleSource } from '../../../src/inventory/ansible/source.js';
import { applyVarsFiles, findVarsFiles } from '../../../src/inventory/ansible/vars-files.js';
import { loadInventory, parseAnsibleYaml, type Inventory } from '../../../src/inventory/index.js';
import { failure, OPTS } from './helpers.js';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../../fixtures/inventory/ansible/${name}`, import.meta.url));
const read = (name: string): string => readFileSync(fixture(name), 'utf8');

// What ansible-inventory --list would say of each host: its groups and effective vars.
function hostsOf(source: AnsibleSource): unknown {
  return effectiveHosts(source.list)
    .map((h) => ({
      name: h.name,
      groups: [...h.groups].filter((g) => g !== 'ungrouped').sort(),
      vars: h.vars,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

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
        kind: b.kind,
        params: b.params,
        probe: b.probe,
      })),
    })),
  }));
}

describe("the examples of Ansible's inventory guide", () => {
  it.each(['basic', 'ranges', 'host-vars', 'groups-of-groups'])(
    '%s.ini and %s.yaml give the same hosts, groups and vars',
    (name) => {
      const ini = readAnsibleIni(read(`docs/${name}.ini`), `${name}.ini`);
      const yaml = readAnsibleYamlSource(read(`docs/${name}.yaml`), `${name}.yaml`);
      expect(ini.problems).toEqual([]);
      expect(hostsOf(ini)).toEqual(hostsOf(yaml));
    },
  );

  it('reads host vars as Ansible does: numbers, a port after the name, aliases', () => {
    const hosts = Object.fromEntries(
      effectiveHosts(readAnsibleIni(read('docs/host-vars.ini'), 'h.ini').list).map((h) => [
        h.name,
        h.vars,
      ]),
    );
    expect(hosts['host1']).toEqual({ http_port: 80, maxRequestsPerChild: 808 });
    expect(hosts['badwolf.example.com']).toEqual({ ansible_port: 5309 });
    expect(hosts['jumper']).toEqual({ ansible_port: 5555, ansible_host: '192.0.2.50' });
    expect(hosts['localhost']).toEqual({ ansible_connection: 'local' });
  });

  it('expands www[01:50] and db-[a:f]', () => {
    const names = effectiveHosts(readAnsibleIni(read('docs/ranges.ini'), 'r.ini').list).map(
      (h) => h.name,
    );
    expect(names).toHaveLength(56);
    expect(names).toContain('www07.example.com');
    expect(names).toContain('db-f.example.com');
  });

  it('applies group_vars/ files, folders of files and host_vars/, host over group', () => {
    const dir = fixture('docs/layout');
    const source = readAnsibleIni(read('docs/layout/hosts'), join(dir, 'hosts'));
    applyVarsFiles(source, findVarsFiles(dir, source));
    const vars = Object.fromEntries(effectiveHosts(source.list).map((h) => [h.name, h.vars]));
    expect(vars['foosball']).toEqual({ http_port: 8080 });
    expect(vars['www.example.com']).toEqual({ http_port: 80 });
    // raleigh/cluster_settings sorts before raleigh/db_settings: the later file wins.
    expect(vars['db.raleigh.example.com']).toEqual({
      ntp_server: 'acme.example.org',
      database_server: 'storage.example.org',
    });
  });
});

describe('an INI inventory with group_vars/ and host_vars/ driving certroll', () => {
  const inv = loadInventory(fixture('ini-layout/hosts.ini'), OPTS);

  it('resolves to the same environments, hosts, transports and bindings as hosts.yaml', () => {
    const yaml = parseAnsibleYaml(read('hosts.yaml'), 'hosts.yaml', OPTS);
    expect(shape(inv)).toEqual(shape(yaml));
  });

  it('names where each binding was written: the group_vars file, line and column', () => {
    const web01 = inv.environments[1]!.hosts[0]!;
    expect(web01.bindings[0]!.origin).toMatchObject({
      file: expect.stringMatching(/ini-layout\/group_vars\/web\.yml$/),
      line: 2,
      field: 'hostvars[web01].certroll_bindings[0]',
    });
  });

  it('pins the plan to the vars files too: another group_vars value is another digest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'certroll-ini-'));
    try {
      cpSync(fixture('ini-layout'), dir, { recursive: true });
      const before = loadInventory(join(dir, 'hosts.ini'), OPTS).digest;
      writeFileSync(join(dir, 'group_vars/all.yml'), 'certroll_transport: { knownHosts: /x }\n');
      expect(loadInventory(join(dir, 'hosts.ini'), OPTS).digest).not.toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('problems in an INI inventory and its vars files', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const layout = (files: Record<string, string>): string => {
    const dir = mkdtempSync(join(tmpdir(), 'certroll-ini-'));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) {
      const path = join(dir, name);
      cpSync('/dev/null', path, { force: true });
      writeFileSync(path, text);
    }
    return dir;
  };

  it('a bad port in a group_vars file is reported at that file:line:column', () => {
    const dir = layout({
      'hosts.ini': '[prod]\nweb01 ansible_host=10.0.0.1\n',
      'group_vars/prod.yml':
        '# bindings\ncertroll_bindings:\n  - { port: 70000, kind: nginx, probe: { sni: none } }\n',
    });
    const error = failure(() => loadInventory(join(dir, 'hosts.ini'), OPTS));
    expect(error.code).toBe('INVENTORY_INVALID');
    expect(error.details).toHaveLength(1);
    expect(error.details[0]).toMatchObject({
      file: join(dir, 'group_vars/prod.yml'),
      line: 3,
      column: 13,
      field: 'hostvars[web01].certroll_bindings[0].port',
    });
  });

  it('a bad ansible_port on a host line is reported at its line and column in the INI file', () => {
    const dir = layout({
      'hosts.ini': '[prod]\nweb01   ansible_port=99999\n',
      'group_vars/prod.yml':
        'certroll_bindings: [{ port: 443, kind: nginx, probe: { sni: none } }]\n',
    });
    const error = failure(() => loadInventory(join(dir, 'hosts.ini'), OPTS));
    expect(error.details[0]).toMatchObject({
      file: join(dir, 'hosts.ini'),
      line: 2,
      column: 22,
      field: 'hostvars[web01].ansible_port',
    });
    expect(error.details[0]!.message).toMatch(/99999/);
  });

  it('a host line with a word that is not key=value is refused at that word', () => {
    const error = failure(() =>
      loadInventory(
        join(layout({ 'hosts.ini': '[prod]\nweb01 ansible_host=10.0.0.1 oops\n' }), 'hosts.ini'),
        OPTS,
      ),
    );
    expect(error.details[0]).toMatchObject({ line: 2, column: 29 });
    expect(error.details[0]!.message).toMatch(/expected key=value.*"oops"/);
  });

  it('[x:vars] for a group defined nowhere is refused, as Ansible does', () => {
    const error = failure(() =>
      loadInventory(
        join(layout({ 'hosts.ini': '[web]\nh1\n[wbe:vars]\na=1\n' }), 'hosts.ini'),
        OPTS,
      ),
    );
    expect(error.details[0]).toMatchObject({ line: 3 });
    expect(error.details[0]!.message).toMatch(/\[wbe:vars\]/);
  });

  it('a group_vars file that is not a map is refused at that file', () => {
    const dir = layout({
      'hosts.ini': '[prod]\nweb01\n',
      'group_vars/prod.yml': '- a\n- b\n',
    });
    const error = failure(() => loadInventory(join(dir, 'hosts.ini'), OPTS));
    expect(error.details[0]).toMatchObject({ file: join(dir, 'group_vars/prod.yml'), line: 1 });
  });

  it('an unreadable vars file says which', () => {
    const dir = layout({ 'hosts.ini': '[prod]\nweb01\n', 'host_vars/web01.yml': 'a: 1\n' });
    chmodSync(join(dir, 'host_vars/web01.yml'), 0o000);
    // root reads anything; the check is for the message when it cannot.
    if (process.getuid?.() === 0) return;
    expect(failure(() => loadInventory(join(dir, 'hosts.ini'), OPTS)).code).toBe(
      'INPUT_UNREADABLE',
    );
  });
});

describe('INI values', () => {
  it.each([
    ['22', 22],
    ['0755', '0755'],
    ['1.5', 1.5],
    ['True', true],
    ['true', 'true'],
    ['None', null],
    ['"quoted text"', 'quoted text'],
    ['[1, 2]', [1, 2]],
    ['{"a": 1}', { a: 1 }],
    ["['py', 'list']", "['py', 'list']"],
    ['plain', 'plain'],
  ])('%s reads as %j', (raw, value) => {
    expect(parseIniValue(raw)).toEqual(value);
  });
});

describe("a jump host in Ansible's ssh arguments", () => {
  it.each([
    ['-o ProxyJump=admin@bastion:2222', 'admin@bastion:2222'],
    ["-o 'ProxyJump bastion' -o StrictHostKeyChecking=yes", 'bastion'],
    ['-oProxyJump=b1,b2', 'b1,b2'],
    ['-J bastion', 'bastion'],
    ['-Jbastion', 'bastion'],
    ['-o ProxyCommand="ssh -W %h:%p bastion"', undefined],
  ])('%s gives proxyJump %s', (args, jump) => {
    expect(proxyJumpOf(args)).toBe(jump);
  });

  it('becomes the transport proxyJump of the hosts it applies to', () => {
    const dir = mkdtempSync(join(tmpdir(), 'certroll-ini-'));
    try {
      writeFileSync(
        join(dir, 'hosts.ini'),
        [
          '[prod]',
          'web01 ansible_host=10.0.0.5',
          '[prod:vars]',
          "ansible_ssh_common_args='-o ProxyJump=admin@bastion.example.com'",
          'certroll_bindings=[{"port": 443, "kind": "nginx", "probe": {"sni": "none"}}]',
          '',
        ].join('\n'),
      );
      const host = loadInventory(join(dir, 'hosts.ini'), OPTS).environments[0]!.hosts[0]!;
      expect(host.transport.proxyJump).toEqual([
        expect.objectContaining({ name: 'admin@bastion.example.com', port: 22, user: 'admin' }),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
