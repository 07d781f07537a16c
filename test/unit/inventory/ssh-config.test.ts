// ~/.ssh/config applied to an inventory's SSH hosts: matching (wildcards, negation, first value
// wins), %-tokens and ~, ProxyJump forms, precedence (inventory > ssh_config > defaults), and
// bad values reported with the ssh_config file.
import { describe, expect, it } from 'vitest';
import { parseInventory, type Inventory } from '../../../src/inventory/index.js';
import { parseProxyJump } from '../../../src/inventory/ssh-config.js';
import { failure, yaml } from './helpers.js';

const CONFIG = yaml`
  Host bastion
    HostName 10.9.0.1
    User jump
    Port 2222
    IdentityFile ~/.ssh/jump_key
  Host edge
    HostName edge.example.com
  Host web-* !web-99
    HostName %h.internal.example.com
    User deploy
    Port 2200
    IdentityFile ~/.ssh/%r_key
    IdentityFile /keys/second
    IdentitiesOnly yes
    ProxyJump bastion,admin@edge:2022
    UserKnownHostsFile ~/.ssh/kh_a ~/.ssh/kh_b
  Host *
    User fallback
    Port 22
`;

function load(
  transport: string,
  address = 'web-01',
  files: Record<string, string> = {},
): Inventory {
  const all: Record<string, string> = { '/home/ops/.ssh/config': CONFIG, ...files };
  return parseInventory(
    yaml`
      version: 1
      environments:
        - name: prod
          hosts:
            - name: web
              address: ${address}
              transport: ${transport}
              bindings: [{ port: 443, kind: nginx, probe: { sni: none } }]
    `,
    'inv.yaml',
    { home: '/home/ops', baseDir: '/srv/inv', localUser: 'me', readFile: (p) => all[p] },
  );
}
const transportOf = (inv: Inventory) => inv.environments[0]!.hosts[0]!.transport;

describe('~/.ssh/config for an SSH host', () => {
  it('applies the matching Host blocks, first value winning, with %h, %r and ~ expanded', () => {
    expect(transportOf(load('{}'))).toEqual(
      expect.objectContaining({
        hostName: 'web-01.internal.example.com',
        user: 'deploy',
        port: 2200,
        identityFiles: ['/home/ops/.ssh/deploy_key', '/keys/second'],
        identitiesOnly: true,
        knownHosts: ['/home/ops/.ssh/kh_a', '/home/ops/.ssh/kh_b'],
        sshConfig: '/home/ops/.ssh/config',
      }),
    );
  });

  it('resolves each ProxyJump hop through ssh_config too, in order', () => {
    expect(transportOf(load('{}')).proxyJump).toEqual([
      {
        name: 'bastion',
        address: '10.9.0.1',
        port: 2222,
        user: 'jump',
        identityFiles: ['/home/ops/.ssh/jump_key'],
        knownHosts: ['/home/ops/.ssh/kh_a', '/home/ops/.ssh/kh_b'],
      },
      {
        name: 'admin@edge',
        address: 'edge.example.com',
        port: 2022,
        user: 'admin',
        knownHosts: ['/home/ops/.ssh/kh_a', '/home/ops/.ssh/kh_b'],
      },
    ]);
  });

  it('a negated pattern (!web-99) excludes a host from its block', () => {
    const t = transportOf(load('{}', 'web-99'));
    expect(t).toMatchObject({ user: 'fallback', port: 22 });
    expect(t.proxyJump).toBeUndefined();
    expect(t.hostName).toBeUndefined();
  });

  it('an inventory field wins over ssh_config, which wins over the defaults', () => {
    const t = transportOf(
      load(
        '{ user: root, port: 22, identityFile: ~/.ssh/inv_key, knownHosts: /kh, proxyJump: none }',
      ),
    );
    expect(t).toMatchObject({
      user: 'root',
      port: 22,
      identityFile: '/home/ops/.ssh/inv_key',
      knownHosts: ['/kh'],
    });
    expect(t.identityFiles).toBeUndefined();
    expect(t.proxyJump).toBeUndefined();
    // Still ssh_config's: what the inventory does not say.
    expect(t.hostName).toBe('web-01.internal.example.com');
  });

  it('sshConfig: false reads none; without a file, the defaults stand', () => {
    const off = transportOf(load('{ sshConfig: false }'));
    expect(off).toMatchObject({ port: 22, knownHosts: ['/home/ops/.ssh/known_hosts'] });
    expect(off.user).toBeUndefined();
    expect(off.sshConfig).toBeUndefined();
  });

  it('is not applied to WinRM (pwsh-remoting) hosts', () => {
    const t = transportOf(load('{ kind: pwsh-remoting }'));
    expect(t).toMatchObject({ port: 5986 });
    expect(t.user).toBeUndefined();
  });

  it('an sshConfig file the inventory names must exist', () => {
    const error = failure(() => load('{ sshConfig: /nope/config }'));
    expect(error.details[0]).toMatchObject({
      file: 'inv.yaml',
      field: 'environments[0].hosts[0].transport.sshConfig',
      message: expect.stringContaining('/nope/config does not exist'),
    });
  });

  it('a bad Port or User in ssh_config is refused, naming the file and the host', () => {
    const error = failure(() =>
      load('{ sshConfig: /c }', 'db', { '/c': 'Host db\n  Port 99999\n  User "a b"\n' }),
    );
    expect(error.details.map((d) => [d.file, d.line, d.field])).toEqual([
      ['/c', 2, 'Port (Host db)'],
      ['/c', 3, 'User (Host db)'],
    ]);
  });

  it('a bad ProxyJump in the inventory is refused at the field', () => {
    const error = failure(() => load('{ proxyJump: "user@" }'));
    expect(error.details[0]).toMatchObject({
      field: 'environments[0].hosts[0].transport.proxyJump',
      message: expect.stringContaining('is not [user@]host[:port]'),
    });
  });
});

describe('ProxyJump values', () => {
  it.each([
    ['bastion', [{ host: 'bastion' }]],
    ['u@b:2222,c', [{ user: 'u', host: 'b', port: 2222 }, { host: 'c' }]],
    ['ssh://u@b:22', [{ user: 'u', host: 'b', port: 22 }]],
    ['[2001:db8::1]:2222', [{ host: '2001:db8::1', port: 2222 }]],
  ])('%s', (value, hops) => {
    expect(parseProxyJump(value)).toEqual(hops);
  });

  it.each(['a b', 'u@', 'h:0', 'h:70000'])('%s is refused', (value) => {
    expect(typeof parseProxyJump(value)).toBe('string');
  });
});
