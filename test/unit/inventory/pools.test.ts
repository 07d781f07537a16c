import { describe, expect, it } from 'vitest';
import { expectProblem, parse, yaml } from './helpers.js';

// Two web hosts and a balancer in one environment; `pool` is the pool's text (under pools:).
function withPool(pool: string): string {
  return (
    yaml`
    version: 1
    environments:
      - name: prod
        hosts:
          - name: web-01
            address: 10.0.5.11
            bindings: [{ port: 443, kind: nginx, probe: { sni: [www.example.com] } }]
          - name: web-02
            address: 10.0.5.12
            bindings: [{ port: 443, kind: nginx }]
          - name: lb-01
            address: 10.0.5.10
        pools:
    ` +
    pool
      .split('\n')
      .map((l) => `      ${l}`)
      .join('\n') +
    '\n'
  );
}

const P = 'environments[0].pools[0]';

describe('a pool of an environment', () => {
  it('resolves members to their bindings, gives them its SNI names, and samples the VIP enough', () => {
    const inv = parse(
      withPool(yaml`
      - name: shop
        members: [{ host: web-01, port: 443 }, { host: web-02 }]
        vips: [{ address: 10.0.5.100, port: 443 }]
        sni: [shop.example.com]
        balancer: { kind: haproxy, host: lb-01, socket: /run/haproxy/admin.sock, backend: be_shop }
      `),
    );
    const env = inv.environments[0]!;
    expect(env.pools?.[0]).toMatchObject({
      name: 'shop',
      members: [
        { host: 'web-01', binding: 'web-01:443', address: '10.0.5.11', port: 443 },
        { host: 'web-02', binding: 'web-02:443', address: '10.0.5.12', port: 443 },
      ],
      vips: [{ address: '10.0.5.100', port: 443 }],
      sni: ['shop.example.com'],
      vipSamples: 8,
      onMemberFailure: 'stay-mixed',
      balancer: { kind: 'haproxy', host: 'lb-01', drainTimeoutMs: 30_000, servers: {} },
    });
    // web-02 has an IP address and no SNI of its own: the pool's names are what it is proven with.
    expect(env.hosts[1]!.bindings[0]!.probe.sni).toEqual(['shop.example.com']);
    expect(env.hosts[0]!.bindings[0]!.probe.sni).toEqual(['www.example.com', 'shop.example.com']);
  });

  it('refuses a member host that is not in the environment, with its line and a did-you-mean', () => {
    const d = expectProblem(
      withPool(yaml`
      - name: shop
        members: [{ host: web-02 }, { host: web-1 }]
        sni: shop.example.com
      `),
      {
        field: `${P}.members[1].host`,
        line: 15,
        column: 45,
        message: /no host web-1 in this environment \(hosts: web-01, web-02, lb-01\)/,
      },
    );
    expect(d.hint).toContain('web-01');
  });

  it('refuses a member port the host has no binding on, naming its bindings', () => {
    expectProblem(
      withPool(yaml`
      - name: shop
        members: [{ host: web-02 }, { host: web-01, port: 8443 }]
        sni: shop.example.com
      `),
      {
        field: `${P}.members[1].port`,
        line: 15,
        column: 59,
        message: /host web-01 has no binding with port 8443 \(bindings: web-01:443 \(port 443\)\)/,
      },
    );
  });

  it('refuses a balancer kind it does not know', () => {
    expectProblem(
      withPool(yaml`
      - name: shop
        members: [{ host: web-02 }]
        sni: shop.example.com
        balancer: { kind: f5, host: lb-01 }
      `),
      { field: `${P}.balancer.kind`, line: 17, column: 27, message: /expected a balancer/ },
    );
  });

  it('refuses a balancer in an environment that works on several hosts at once', () => {
    const text = withPool(yaml`
      - name: shop
        members: [{ host: web-02 }]
        sni: shop.example.com
        balancer: { kind: command, host: lb-01, drain: 'lb-drain "$1"', ready: 'lb-ready "$1"' }
      `).replace('  - name: prod\n', '  - name: prod\n    policy: { concurrency: 2 }\n');
    expectProblem(text, {
      field: `environments[0].pools[0].balancer`,
      line: 18,
      column: 19,
      message: /works on 2 hosts at once, so several members could be out of the pool together/,
    });
  });
});
