import { describe, expect, it } from 'vitest';
import { expectProblem, failure, parse, yaml } from './helpers.js';

// A two-host production environment. `env` is one line inserted under the environment (at
// column 5, line 4), `host1` one line under the first host (at column 9, line 7 or 8).
function twoHosts(extra: { host1?: string; env?: string } = {}): string {
  return [
    'version: 1',
    'environments:',
    '  - name: production',
    ...(extra.env !== undefined ? [`    ${extra.env}`] : []),
    '    hosts:',
    '      - name: web-01',
    '        address: 10.0.0.1',
    ...(extra.host1 !== undefined ? [`        ${extra.host1}`] : []),
    '      - name: web-02',
    '        address: 10.0.0.2',
    '',
  ].join('\n');
}

describe('the top of an inventory', () => {
  it('without version is refused', () => {
    expectProblem(
      yaml`
      environments:
        - { name: a, hosts: [{ name: h, address: 10.0.0.1 }] }
    `,
      { field: 'version', line: 1, column: 1, message: /missing required field version/ },
    );
  });

  it('with version 2 is refused as an unknown version', () => {
    expectProblem(twoHosts().replace('version: 1', 'version: 2'), {
      field: 'version',
      line: 1,
      column: 10,
      message: /expected version: 1/,
    });
  });

  it('with a misspelt key is refused at the key', () => {
    expectProblem(`${twoHosts()}enviroments: []\n`, {
      field: 'enviroments',
      line: 9,
      column: 1,
      message: /unknown field "enviroments"/,
    });
  });

  it('with no environments is refused', () => {
    expectProblem('version: 1\nenvironments: []\n', {
      field: 'environments',
      line: 2,
      column: 15,
      message: /at least one environment/,
    });
  });

  it('that is a list, not a map, is refused', () => {
    expectProblem('- version: 1\n', {
      field: '',
      line: 1,
      column: 1,
      message: /expected a map of fields \(key: value\), got a list/,
    });
  });
});

describe('an empty inventory', () => {
  it('is refused at 1:1 saying what it starts with', () => {
    expectProblem('# nothing yet\n', {
      field: '',
      line: 1,
      column: 1,
      message: /the inventory is empty; it starts with version: 1 and environments:/,
    });
  });
});

describe('an environment', () => {
  it('named twice is refused at the second name', () => {
    const text = yaml`
      version: 1
      environments:
        - { name: prod, hosts: [{ name: a, address: 10.0.0.1 }] }
        - { name: PROD, hosts: [{ name: b, address: 10.0.0.2 }] }
    `;
    expectProblem(text, {
      field: 'environments[1].name',
      line: 4,
      column: 13,
      message: /environment PROD is defined twice/,
    });
  });

  it('with a name holding a path separator is refused', () => {
    expectProblem(twoHosts().replace('name: production', 'name: ../prod'), {
      field: 'environments[0].name',
      line: 3,
      column: 11,
      message: /expected an environment name/,
    });
  });

  it('with no hosts is refused', () => {
    expectProblem('version: 1\nenvironments:\n  - name: a\n    hosts: []\n', {
      field: 'environments[0].hosts',
      line: 4,
      column: 12,
      message: /at least one host/,
    });
  });

  it('with a canary that is not one of its hosts is refused, listing the hosts', () => {
    const d = expectProblem(twoHosts({ env: 'policy: { canary: [web-03] }' }), {
      field: 'environments[0].policy.canary[0]',
      line: 4,
      column: 24,
      message: /canary host web-03 is not a host of this environment/,
    });
    expect(d.hint).toContain('web-01, web-02');
  });

  it('with a canary host listed twice is refused at the second', () => {
    expectProblem(twoHosts({ env: 'policy: { canary: [web-01, web-01] }' }), {
      field: 'environments[0].policy.canary[1]',
      line: 4,
      column: 32,
      message: /web-01 is listed twice/,
    });
  });

  it('with a canary count larger than its hosts is refused', () => {
    expectProblem(twoHosts({ env: 'policy: { canary: 3 }' }), {
      field: 'environments[0].policy.canary',
      line: 4,
      column: 23,
      message: /canary is 3 hosts but this environment has 2/,
    });
  });

  it('with a soak written as a number of seconds is refused, asking for a duration', () => {
    expectProblem(twoHosts({ env: 'policy: { soak: 300 }' }), {
      field: 'environments[0].policy.soak',
      line: 4,
      column: 21,
      message: /expected a duration such as 30s, 5m, 1h/,
    });
  });

  it('with a soak of "5 minutes" is refused', () => {
    expectProblem(twoHosts({ env: 'policy: { soak: 5 minutes }' }), {
      field: 'environments[0].policy.soak',
      line: 4,
      column: 21,
      message: /got "5 minutes"/,
    });
  });

  it('with an unknown onFailure value is refused, naming the allowed ones', () => {
    expectProblem(twoHosts({ env: 'policy: { onFailure: continue }' }), {
      field: 'environments[0].policy.onFailure',
      line: 4,
      column: 26,
      message: /halt or rollback-environment/,
    });
  });

  it('with an unknown undo scope is refused, naming the allowed ones', () => {
    expectProblem(twoHosts({ env: 'policy: { undo: binding }' }), {
      field: 'environments[0].policy.undo',
      line: 4,
      column: 21,
      message: /undo: host .* or unit/,
    });
  });

  it('with a batch size of 0 is refused', () => {
    expectProblem(twoHosts({ env: 'policy: { batchSize: 0 }' }), {
      field: 'environments[0].policy.batchSize',
      line: 4,
      column: 26,
      message: /at least 1, got 0/,
    });
  });
});

describe('a host', () => {
  it('without an address is refused at the host', () => {
    expectProblem('version: 1\nenvironments:\n  - name: a\n    hosts:\n      - name: web-01\n', {
      field: 'environments[0].hosts[0].address',
      line: 5,
      column: 9,
      message: /missing required field address/,
    });
  });

  it('with a name that is not an RFC 1123 host name is refused', () => {
    expectProblem(twoHosts().replace('name: web-01', 'name: web_01'), {
      field: 'environments[0].hosts[0].name',
      line: 5,
      column: 15,
      message: /RFC 1123 host name.*"web_01"/,
    });
  });

  it('with an address that is neither IP nor DNS name is refused', () => {
    expectProblem(twoHosts().replace('address: 10.0.0.1', 'address: 10.0.0.256'), {
      field: 'environments[0].hosts[0].address',
      line: 6,
      column: 18,
      message: /IPv4 address, an IPv6 address or a DNS name, got "10.0.0.256"/,
    });
  });

  it('named twice in the inventory is refused at the second one', () => {
    const text = yaml`
      version: 1
      environments:
        - { name: staging, hosts: [{ name: web-01, address: 10.0.0.1 }] }
        - { name: prod, hosts: [{ name: WEB-01, address: 10.0.0.2 }] }
    `;
    expectProblem(text, {
      field: 'environments[1].hosts[0].name',
      line: 4,
      column: 35,
      message: /host WEB-01 appears twice/,
    });
  });

  it('whose IPv6 address is another host address written differently is refused', () => {
    const text = twoHosts()
      .replace('address: 10.0.0.1', 'address: "2001:DB8:0::1"')
      .replace('address: 10.0.0.2', 'address: "2001:db8::1"');
    expectProblem(text, {
      field: 'environments[0].hosts[1].address',
      line: 8,
      column: 18,
      message: /address 2001:db8::1 is used by host web-01 too/,
    });
  });

  it('whose address is already used by another host name is refused', () => {
    expectProblem(twoHosts().replace('address: 10.0.0.2', 'address: 10.0.0.1'), {
      field: 'environments[0].hosts[1].address',
      line: 8,
      column: 18,
      message: /address 10.0.0.1 is used by host web-01 too/,
    });
  });

  it('that binds the same port with the same SNI twice is refused', () => {
    const b =
      'bindings: [{ port: 443, kind: nginx, probe: { sni: a.example } }, { port: 443, kind: iis, probe: { sni: a.example } }]';
    expectProblem(twoHosts({ host1: b }), {
      field: 'environments[0].hosts[0].bindings[1].port',
      line: 7,
      column: 83,
      message: /port 443 on 10.0.0.1 with SNI a.example is already bound by bindings\[0\]/,
    });
  });

  it('that excludes a port it also lists as a binding is refused', () => {
    const b =
      'bindings: [{ port: 443, kind: nginx, probe: { sni: none } }]\n        exclude: [{ port: 443, reason: vendor }]';
    expectProblem(twoHosts({ host1: b }), {
      field: 'environments[0].hosts[0].exclude[0].port',
      line: 8,
      column: 27,
      message: /port 443 is both excluded and listed as bindings\[0\]/,
    });
  });

  it('with an exclusion that gives no reason is refused', () => {
    expectProblem(twoHosts({ host1: 'exclude: [{ port: 9443 }]' }), {
      field: 'environments[0].hosts[0].exclude[0].reason',
      line: 7,
      column: 19,
      message: /missing required field reason/,
    });
  });

  it('with two bindings given the same explicit id is refused', () => {
    const b =
      'bindings: [{ id: x, port: 443, kind: nginx, probe: { sni: none } }, { id: x, port: 444, kind: nginx, probe: { sni: none } }]';
    expectProblem(twoHosts({ host1: b }), {
      field: 'environments[0].hosts[0].bindings[1].id',
      line: 7,
      column: 83,
      message: /binding id x is used twice/,
    });
  });
});

describe('a transport', () => {
  const t = (fields: string): string => twoHosts({ host1: `transport: { ${fields} }` });

  it('written as a word instead of a map is refused, saying a map is expected', () => {
    expectProblem(twoHosts({ host1: 'transport: ssh' }), {
      field: 'environments[0].hosts[0].transport',
      line: 7,
      column: 20,
      message: /expected a map of fields \(key: value\), got text/,
    });
  });

  it('with a literal password is refused with a hint to use env or file', () => {
    expectProblem(t('password: hunter2'), {
      field: 'environments[0].hosts[0].transport.password',
      line: 7,
      column: 32,
      message: /literal secret refused.*\{ env: VARIABLE \} or \{ file: \/path\/to\/secret \}/,
    });
  });

  it('with a secret reference naming both env and file is refused', () => {
    expectProblem(t('password: { env: A, file: /b }'), {
      field: 'environments[0].hosts[0].transport.password',
      line: 7,
      column: 32,
      message: /exactly one of env or file/,
    });
  });

  it('with an environment variable name that is not one is refused', () => {
    expectProblem(t('password: { env: "$(id)" }'), {
      field: 'environments[0].hosts[0].transport.password.env',
      line: 7,
      column: 39,
      message: /environment variable name/,
    });
  });

  it('with an unknown kind is refused, naming the kinds', () => {
    expectProblem(t('kind: telnet'), {
      field: 'environments[0].hosts[0].transport.kind',
      line: 7,
      column: 28,
      message: /ssh, powershell-ssh, pwsh-remoting or local, got "telnet"/,
    });
  });

  it('with a malformed host key fingerprint is refused', () => {
    expectProblem(t('hostKeyFingerprint: "MD5:aa:bb"'), {
      field: 'environments[0].hosts[0].transport.hostKeyFingerprint',
      line: 7,
      column: 42,
      message: /SHA256:<43 base64 characters>/,
    });
  });

  it('with an empty identity file path is refused', () => {
    expectProblem(t('identityFile: ""'), {
      field: 'environments[0].hosts[0].transport.identityFile',
      line: 7,
      column: 36,
      message: /got an empty string/,
    });
  });

  it('with a ~user path is refused: only ~ and ~/ are expanded', () => {
    expectProblem(t('identityFile: "~deploy/.ssh/id"'), {
      field: 'environments[0].hosts[0].transport.identityFile',
      line: 7,
      column: 36,
      message: /only ~ and ~\/ are expanded, not ~user/,
    });
  });

  it('with a NUL character in a known_hosts path is refused', () => {
    expectProblem(t('knownHosts: "/etc/ssh/known\\0hosts"'), {
      field: 'environments[0].hosts[0].transport.knownHosts',
      line: 7,
      column: 34,
      message: /U\+0000/,
    });
  });

  it('with a user name starting with a dash is refused', () => {
    expectProblem(t('user: "-oProxyCommand=x"'), {
      field: 'environments[0].hosts[0].transport.user',
      line: 7,
      column: 28,
      message: /not starting with '-'/,
    });
  });
});

describe('an inventory with several problems', () => {
  it('reports every one of them, in file order', () => {
    const error = failure(() =>
      parse(yaml`
        version: 1
        environments:
          - name: prod
            hosts:
              - name: web_01
                address: 10.0.0.1
                bindings: [{ port: 0x1BB, kind: nginx }, { port: 443, kind: nginx, sni: x }]
              - name: web-02
                adress: 10.0.0.2
      `),
    );
    expect(error.code).toBe('INVENTORY_INVALID');
    expect(error.details.map((d) => `${d.line}:${d.column} ${d.field}`)).toEqual([
      '5:15 environments[0].hosts[0].name',
      '7:28 environments[0].hosts[0].bindings[0].port',
      '7:76 environments[0].hosts[0].bindings[1].sni',
      '8:9 environments[0].hosts[1].address',
      '9:9 environments[0].hosts[1].adress',
    ]);
    expect(error.message).toBe('5 problems in the inventory');
  });
});

describe('names used twice', () => {
  it('are reported in the same run as problems of the schema', () => {
    const error = failure(() =>
      parse(yaml`
        version: 1
        environments:
          - name: prod
            hosts:
              - { name: web-01, address: 10.0.0.1, bindings: [{ port: 0, kind: nginx }] }
              - { name: web-01, address: 10.0.0.2 }
      `),
    );
    expect(error.details.map((d) => `${d.line}:${d.column} ${d.field}: ${d.message}`)).toEqual([
      '5:63 environments[0].hosts[0].bindings[0].port: expected a port 1-65535, got 0',
      '6:17 environments[0].hosts[1].name: host web-01 appears twice in the inventory (also in environment prod)',
    ]);
  });
});
