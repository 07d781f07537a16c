import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  ansibleInventory,
  certrollInventory,
  leanHostList,
  type InventoryHost,
} from '../../../bench/rollout/inventory.js';
import { parseInventory } from '../../../src/inventory/index.js';

// bench/rollout's inputs for the three tools describe the same hosts, files and ports.
const hosts: InventoryHost[] = [1, 2].map((i) => ({
  name: `web-${i}`,
  address: `127.0.9.${i}`,
  sshPort: 40000 + i,
  identityFile: `/tmp/lab${i}/client/id_ed25519`,
  stateDir: `/tmp/lab/hosts/web-${i}/state`,
  certPath: `/tmp/lab/hosts/web-${i}/nginx/certs/server.crt`,
  keyPath: `/tmp/lab/hosts/web-${i}/nginx/certs/server.key`,
  prefix: `/tmp/lab/hosts/web-${i}/nginx`,
  configPath: `/tmp/lab/hosts/web-${i}/nginx/nginx.conf`,
}));
const access = {
  identityFile: '/tmp/lab/client/id_ed25519',
  knownHostsPath: '/tmp/lab/known_hosts',
};

describe('bench/rollout inventories', () => {
  it('writes a certroll inventory with one nginx binding per port and the speed policy', () => {
    const text = certrollInventory(hosts, [9443, 9444], 'www.bench.test', access, 20);
    const inv = parseInventory(text, 'bench.yaml');
    const env = inv.environments[0]!;
    expect(env.policy).toMatchObject({ canary: [], batchSize: 2, concurrency: 20 });
    expect(
      env.hosts.map((h) => [h.name, h.address, h.transport.port, h.transport.identityFile]),
    ).toEqual(hosts.map((h) => [h.name, h.address, h.sshPort, h.identityFile]));
    expect(env.hosts[0]!.stateDir).toBe(hosts[0]!.stateDir);
    expect(env.hosts[0]!.transport.knownHosts).toEqual(['/tmp/lab/known_hosts']);
    const b = env.hosts[1]!.bindings;
    expect(b.map((x) => [x.port, x.kind, x.probe.sni])).toEqual([
      [9443, 'nginx', ['www.bench.test']],
      [9444, 'nginx', ['www.bench.test']],
    ]);
    expect(b[0]!.params).toMatchObject({
      certPath: hosts[1]!.certPath,
      nginxArgs: ['-p', hosts[1]!.prefix, '-c', hosts[1]!.configPath],
    });
  });

  it('writes an Ansible inventory with host key checking against the lab known_hosts', () => {
    const inv = parse(ansibleInventory(hosts, access)) as {
      all: { vars: Record<string, string>; hosts: Record<string, Record<string, unknown>> };
    };
    expect(inv.all.vars['ansible_ssh_common_args']).toBe(
      '-o UserKnownHostsFile=/tmp/lab/known_hosts -o StrictHostKeyChecking=yes',
    );
    expect(inv.all.hosts['web-2']).toMatchObject({
      ansible_host: '127.0.9.2',
      ansible_port: 40002,
      ansible_ssh_private_key_file: '/tmp/lab2/client/id_ed25519',
      cert_path: hosts[1]!.certPath,
      nginx_test: `/usr/sbin/nginx -p ${hosts[1]!.prefix} -e ${hosts[1]!.prefix}/error.log -c ${hosts[1]!.configPath} -t`,
    });
  });

  it('lists one host per line for the lean script', () => {
    const lines = leanHostList(hosts).trim().split('\n');
    expect(lines.map((l) => l.split(' ').length)).toEqual([8, 8]);
    expect(lines[0]!.split(' ').slice(0, 4)).toEqual([
      'web-1',
      '127.0.9.1',
      '40001',
      '/tmp/lab1/client/id_ed25519',
    ]);
  });
});
