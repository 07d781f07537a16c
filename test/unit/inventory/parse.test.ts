import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../../src/inventory/index.js';
import { parse, yaml } from './helpers.js';

const FULL = yaml`
  version: 1
  playbooks: [./playbooks, /opt/certroll/playbooks]
  defaults:
    transport: { user: deploy, sudo: true, identityFile: ~/.ssh/id_ed25519, knownHosts: known_hosts }
    policy: { batchSize: 5, concurrency: 3, soak: 30s }
  environments:
    - name: staging
      defaults:
        transport: { user: stage, connectTimeout: 5s }
      policy: { canary: [web-02], batchSize: 2, soak: 1h30m }
      hosts:
        - name: web-01
          address: 10.0.4.7
          bindings:
            - port: 443
              kind: nginx
              params: { certPath: /etc/nginx/tls/site.crt }
              probe: { sni: www.example.com }
        - name: web-02
          address: web-02.example.com
          transport: { kind: powershell-ssh, port: 2222, password: { env: WIN_PASS } }
          legacyPfx: true
          bindings:
            - port: 8443
              kind: haproxy
              probe:
                address: 10.0.4.100
                port: 443
                sni: [shop.example.com, www.shop.example.com]
                pool:
                  members: [{ name: web-02, address: 10.0.4.8, port: 8443 }]
                  vip: { address: 10.0.4.100, port: 443 }
          exclude:
            - { port: 9443, reason: "vendor appliance, renewed by vendor" }
    - name: production
      policy: { canary: 1, onFailure: rollback-environment, approval: true, undo: unit }
      hosts:
        - name: prod-01
          address: "2001:db8::10"
          transport: { kind: pwsh-remoting, password: { file: secrets/winrm } }
          bindings:
            - { port: 443, kind: iis, probe: { sni: none } }
`;

describe('parseInventory on a valid inventory', () => {
  const inv = parse(FULL);
  const [staging, production] = inv.environments;
  const [web1, web2] = staging!.hosts;

  it('keeps environments and hosts in the order they were written', () => {
    expect(inv.environments.map((e) => e.name)).toEqual(['staging', 'production']);
    expect(staging!.hosts.map((h) => h.name)).toEqual(['web-01', 'web-02']);
  });

  it('applies file defaults, then environment defaults, then the host own transport', () => {
    expect(web1!.transport).toEqual({
      kind: 'ssh',
      port: 22,
      user: 'stage',
      identityFile: '/home/ops/.ssh/id_ed25519',
      knownHosts: ['/srv/inv/known_hosts'],
      sudo: true,
      connectTimeoutMs: 5000,
      commandTimeoutMs: 300_000,
    });
    expect(web2!.transport).toMatchObject({
      kind: 'powershell-ssh',
      port: 2222,
      user: 'stage',
      password: { from: 'env', name: 'WIN_PASS' },
    });
  });

  it('turns sudo off for transports that are not a POSIX shell over ssh', () => {
    expect(web2!.transport.sudo).toBe(false);
  });

  it('defaults the WinRM port to 5986 and resolves a secret file relative to the inventory', () => {
    const t = production!.hosts[0]!.transport;
    expect(t.port).toBe(5986);
    expect(t.password).toEqual({ from: 'file', path: '/srv/inv/secrets/winrm' });
  });

  it('merges the policy field by field and resolves durations to milliseconds', () => {
    expect(staging!.policy).toEqual({
      canary: ['web-02'],
      batchSize: 2,
      concurrency: 3,
      failureBudget: 0,
      onFailure: 'halt',
      approval: false,
      soakMs: 5_400_000,
      coldStartCheck: false,
      undo: 'host',
    });
  });

  it('turns a canary count into the names of the first hosts', () => {
    expect(production!.policy.canary).toEqual(['prod-01']);
    expect(production!.policy.onFailure).toBe('rollback-environment');
  });

  it('undoes the whole host after a failure unless the policy says undo: unit', () => {
    expect(staging!.policy.undo).toBe('host');
    expect(production!.policy.undo).toBe('unit');
  });

  it('accepts a single SNI name, a list, or none', () => {
    expect(web1!.bindings[0]!.probe.sni).toEqual(['www.example.com']);
    expect(web2!.bindings[0]!.probe.sni).toEqual(['shop.example.com', 'www.shop.example.com']);
    expect(production!.hosts[0]!.bindings[0]!.probe.sni).toEqual([]);
  });

  it('probes the host address and the binding port unless the probe says otherwise', () => {
    expect(web1!.bindings[0]!.probe).toMatchObject({ address: '10.0.4.7', port: 443 });
    expect(web2!.bindings[0]!.probe).toMatchObject({ address: '10.0.4.100', port: 443 });
  });

  it('samples the VIP 8 times when vipSamples is not given', () => {
    expect(web2!.bindings[0]!.probe.pool).toEqual({
      members: [{ name: 'web-02', address: '10.0.4.8', port: 8443 }],
      vip: { address: '10.0.4.100', port: 443 },
      vipSamples: 8,
    });
  });

  it('names each binding host:port and keeps its params as written', () => {
    expect(web1!.bindings[0]!.id).toBe('web-01:443');
    expect(web1!.bindings[0]!.params).toEqual({ certPath: '/etc/nginx/tls/site.crt' });
    expect(web2!.bindings[0]!.params).toEqual({});
  });

  it('keeps exclusions with their reasons and the legacy PFX flag', () => {
    expect(web2!.exclusions).toEqual([
      { port: 9443, reason: 'vendor appliance, renewed by vendor' },
    ]);
    expect(web2!.legacyPfx).toBe(true);
    expect(web1!.legacyPfx).toBe(false);
  });

  it('resolves playbook folders relative to the inventory file', () => {
    expect(inv.playbookDirs).toEqual(['/srv/inv/playbooks', '/opt/certroll/playbooks']);
  });

  it('records where each environment, host and binding was written', () => {
    expect(web2!.origin).toEqual({
      file: 'inv.yaml',
      line: 19,
      column: 9,
      field: 'environments[0].hosts[1]',
    });
    expect(web1!.bindings[0]!.origin).toMatchObject({ line: 15, column: 13 });
  });

  it('pins the digest to the SHA-256 of the text', () => {
    expect(inv.digest).toBe(createHash('sha256').update(FULL).digest('hex'));
  });
});

describe('defaults of a minimal inventory', () => {
  const inv = parse(yaml`
    version: 1
    environments:
      - name: lab
        hosts:
          - { name: web-01, address: web-01.lab.example, bindings: [{ port: 443, kind: pem-files }] }
          - { name: web-02, address: 10.0.0.2 }
  `);
  const env = inv.environments[0]!;

  it('uses ssh on port 22 with ~/.ssh/known_hosts and no sudo', () => {
    expect(env.hosts[0]!.transport).toEqual({
      kind: 'ssh',
      port: 22,
      knownHosts: ['/home/ops/.ssh/known_hosts'],
      sudo: false,
      connectTimeoutMs: 10_000,
      commandTimeoutMs: 300_000,
    });
  });

  it('rolls one host at a time, halts on the first failure, and has no canary', () => {
    expect(env.policy).toEqual({
      canary: [],
      batchSize: 1,
      concurrency: 1,
      failureBudget: 0,
      onFailure: 'halt',
      approval: false,
      soakMs: 0,
      coldStartCheck: false,
      undo: 'host',
    });
  });

  it('sends the host DNS name as SNI when the probe address is a name and no sni is written', () => {
    expect(env.hosts[0]!.bindings[0]!.probe.sni).toEqual(['web-01.lab.example']);
  });

  it('accepts a host without bindings', () => {
    expect(env.hosts[1]!.bindings).toEqual([]);
  });
});

describe('bindings that share a port', () => {
  it('are accepted when their SNI names differ, and get the SNI in their id', () => {
    const inv = parse(yaml`
      version: 1
      environments:
        - name: prod
          hosts:
            - name: app-01
              address: 10.0.0.1
              bindings:
                - { port: 443, kind: netsh-http, probe: { sni: [api.example.com] } }
                - { port: 443, kind: netsh-http, probe: { sni: [portal.example.com] } }
    `);
    expect(inv.environments[0]!.hosts[0]!.bindings.map((b) => b.id)).toEqual([
      'app-01:443/api.example.com',
      'app-01:443/portal.example.com',
    ]);
  });
});

describe('the example inventories', () => {
  it.each(['linux-web', 'windows-httpsys', 'business-central'])('%s.yaml is valid', (name) => {
    const inv = loadInventory(
      new URL(`../../../inventories/${name}.yaml`, import.meta.url).pathname,
    );
    expect(inv.environments.length).toBeGreaterThan(0);
  });

  it('business-central.yaml lists the SOAP and OData ports 7147 and 7148 on every host', () => {
    const inv = loadInventory(
      new URL('../../../inventories/business-central.yaml', import.meta.url).pathname,
    );
    for (const host of inv.environments.flatMap((e) => e.hosts)) {
      expect(host.bindings.map((b) => b.port)).toEqual(expect.arrayContaining([7147, 7148]));
    }
  });
});
