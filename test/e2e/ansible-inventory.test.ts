// An Ansible INI inventory with group_vars/ and host_vars/ beside it drives certroll alone,
// through the built CLI against the lab: inventory check, plan (which connects to every host and
// captures its bindings), and inventory import, whose certroll YAML resolves to the same tree.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadInventory } from '../../src/inventory/index.js';
import { runCli } from '../helpers/cli.js';
import { nginxParams, useRenewalLab } from '../lab/index.js';

const fx = useRenewalLab({ hosts: 2, environments: () => [] });
let dir: string;

beforeAll(() => {
  const { lab, services, name } = fx();
  dir = join(lab.dir, 'ansible');
  mkdirSync(join(dir, 'group_vars'), { recursive: true });
  mkdirSync(join(dir, 'host_vars'), { recursive: true });
  const [stg, prod] = lab.hosts;
  writeFileSync(
    join(dir, 'hosts.ini'),
    [
      '[staging]',
      `stg-web-01 ansible_host=${stg!.address} ansible_port=${stg!.sshPort}`,
      '',
      '[production]',
      `web-01 ansible_host=${prod!.address} ansible_port=${prod!.sshPort}`,
      '',
      '[all:vars]',
      'ansible_user=root',
      `ansible_ssh_private_key_file=${lab.clientKey.privatePath}`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'group_vars', 'all.yml'),
    stringify({ certroll_transport: { knownHosts: lab.knownHostsPath } }),
  );
  lab.hosts.forEach((h, i) => {
    const host = i === 0 ? 'stg-web-01' : 'web-01';
    writeFileSync(
      join(dir, 'host_vars', `${host}.yml`),
      stringify({
        certroll_state_dir: join(h.dir, 'state'),
        certroll_bindings: [
          { port: 8443, kind: 'nginx', params: nginxParams(services[i]!), probe: { sni: [name] } },
        ],
      }),
    );
  });
});

describe('an Ansible INI inventory with group_vars/ and host_vars/', () => {
  it('passes inventory check', () => {
    const r = runCli(['inventory', 'check', join(dir, 'hosts.ini')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('stg-web-01');
  });

  it('plans both environments against the lab', () => {
    const planPath = join(dir, 'plan.json');
    const pki = fx();
    const r = runCli(
      [
        'plan',
        '-i',
        join(dir, 'hosts.ini'),
        '--cert',
        pki.bundlePath,
        '--trust',
        pki.root.certPath,
        '-o',
        planPath,
      ],
      { timeoutMs: 60_000 },
    );
    expect(r.code, r.stderr).toBe(2);
    const plan = JSON.parse(readFileSync(planPath, 'utf8')) as {
      environments: {
        name: string;
        hosts: { name: string; bindings: { kind: string; action: string }[] }[];
      }[];
    };
    expect(
      plan.environments.map((e) => [
        e.name,
        e.hosts.map((h) => `${h.name} ${h.bindings.map((b) => `${b.kind} ${b.action}`).join()}`),
      ]),
    ).toEqual([
      ['staging', ['stg-web-01 nginx replace']],
      ['production', ['web-01 nginx replace']],
    ]);
  });

  it('imports to a certroll YAML inventory that resolves to the same tree', () => {
    const out = join(dir, 'imported.yaml');
    const r = runCli(['inventory', 'import', join(dir, 'hosts.ini'), '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/2 environment\(s\), 2 host\(s\)/);
    expect(readFileSync(out, 'utf8')).toMatch(/^# certroll inventory imported from/);
    // Where each value was written differs; what it resolves to must not.
    const tree = (path: string): unknown =>
      JSON.parse(
        JSON.stringify(loadInventory(path).environments, (k, v: unknown) =>
          k === 'origin' ? undefined : v,
        ),
      );
    expect(tree(out)).toEqual(tree(join(dir, 'hosts.ini')));
  });

  it('import refuses an inventory already in certroll format, writing nothing', () => {
    const out = join(dir, 'again.yaml');
    const r = runCli(['inventory', 'import', join(dir, 'imported.yaml'), '-o', out]);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/already in certroll's format/);
    expect(() => readFileSync(out)).toThrow();
  });
});
