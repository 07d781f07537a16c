// What each tool is given: certroll's inventory YAML, Ansible's inventory, the lean script's
// host list. Pure functions of the lab's hosts, so a unit test can check them.
import { dirname, join } from 'node:path';

export interface InventoryHost {
  readonly name: string;
  readonly address: string;
  readonly sshPort: number;
  readonly identityFile: string;
  readonly stateDir: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly prefix: string;
  readonly configPath: string;
}

export interface Access {
  readonly knownHostsPath: string;
}

const j = (v: unknown): string => JSON.stringify(v);

/** certroll's inventory: one nginx binding per port, the policy tuned for speed. */
export function certrollInventory(
  hosts: readonly InventoryHost[],
  ports: readonly number[],
  sni: string,
  access: Access,
  concurrency: number,
): string {
  const lines = [
    'version: 1',
    'defaults:',
    `  transport: { kind: ssh, user: root, knownHosts: ${j(access.knownHostsPath)} }`,
    'environments:',
    '  - name: bench',
    `    policy: { canary: 0, batchSize: ${hosts.length}, concurrency: ${concurrency}, failureBudget: 0 }`,
    '    hosts:',
  ];
  for (const h of hosts) {
    const params = {
      certPath: h.certPath,
      keyPath: h.keyPath,
      nginxBinary: '/usr/sbin/nginx',
      nginxArgs: ['-p', h.prefix, '-c', h.configPath],
    };
    lines.push(
      `      - name: ${h.name}`,
      `        address: ${h.address}`,
      `        stateDir: ${j(h.stateDir)}`,
      `        transport: { port: ${h.sshPort}, identityFile: ${j(h.identityFile)} }`,
      '        bindings:',
      ...ports.flatMap((port) => [
        `          - port: ${port}`,
        '            kind: nginx',
        `            params: ${j(params)}`,
        `            probe: { sni: [${sni}] }`,
      ]),
    );
  }
  return `${lines.join('\n')}\n`;
}

function nginxCommand(h: InventoryHost): string {
  return `/usr/sbin/nginx -p ${h.prefix} -e ${join(h.prefix, 'error.log')} -c ${h.configPath}`;
}

/** Ansible's inventory (YAML): connection and per-host variables, host key checking on. */
export function ansibleInventory(hosts: readonly InventoryHost[], access: Access): string {
  const vars = {
    ansible_user: 'root',
    ansible_ssh_common_args: `-o UserKnownHostsFile=${access.knownHostsPath} -o StrictHostKeyChecking=yes`,
    ansible_python_interpreter: '/usr/bin/python3',
  };
  const lines = ['all:', `  vars: ${j(vars)}`, '  hosts:'];
  for (const h of hosts) {
    const hv = {
      ansible_host: h.address,
      ansible_port: h.sshPort,
      ansible_ssh_private_key_file: h.identityFile,
      ansible_remote_tmp: join(dirname(h.stateDir), 'ansible-tmp'),
      addr: h.address,
      cert_path: h.certPath,
      key_path: h.keyPath,
      nginx_test: `${nginxCommand(h)} -t`,
      nginx_reload: `${nginxCommand(h)} -s reload`,
    };
    lines.push(`    ${h.name}: ${j(hv)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The lean script's input: one line per host, its arguments separated by spaces. */
export function leanHostList(hosts: readonly InventoryHost[]): string {
  return hosts
    .map((h) =>
      [
        h.name,
        h.address,
        h.sshPort,
        h.identityFile,
        h.certPath,
        h.keyPath,
        h.prefix,
        h.configPath,
      ].join(' '),
    )
    .join('\n')
    .concat('\n');
}
