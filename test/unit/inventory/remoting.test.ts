// How pwsh-remoting reaches a host: via winrm (HTTPS on 5986 by default, plain HTTP on 5985 only
// with tls: false) or via ssh (the powershell sshd subsystem, port 22); the fields are refused
// where they would mean nothing.
import { describe, expect, it } from 'vitest';
import { expectProblem, parse, yaml } from './helpers.js';

const inv = (transport: string): string => yaml`
  version: 1
  environments:
    - name: prod
      hosts:
        - name: nav-01
          address: nav-01.example.com
          transport: ${transport}
          bindings:
            - { port: 7047, kind: netsh-http }
`;

const transportOf = (text: string) => parse(text).environments[0]!.hosts[0]!.transport;

describe('pwsh-remoting: via and tls', () => {
  it('defaults to WinRM over HTTPS on 5986', () => {
    expect(transportOf(inv('{ kind: pwsh-remoting }'))).toMatchObject({
      via: 'winrm',
      tls: true,
      port: 5986,
    });
  });

  it('uses 5985 only when plain HTTP is asked for', () => {
    expect(transportOf(inv('{ kind: pwsh-remoting, tls: false }'))).toMatchObject({
      via: 'winrm',
      tls: false,
      port: 5985,
    });
  });

  it('reaches the host over SSH on 22 with via: ssh', () => {
    const t = transportOf(inv('{ kind: pwsh-remoting, via: ssh }'));
    expect(t).toMatchObject({ via: 'ssh', port: 22 });
    expect(t).not.toHaveProperty('tls');
  });

  it('refuses via on another transport and tls over SSH, at the field', () => {
    expectProblem(inv('{ kind: ssh, via: ssh }'), {
      field: 'environments[0].hosts[0].transport.via',
      line: 7,
      column: 38,
      message: /via applies to the pwsh-remoting transport only, not to ssh/,
    });
    expectProblem(inv('{ kind: pwsh-remoting, via: ssh, tls: true }'), {
      field: 'environments[0].hosts[0].transport.tls',
      line: 7,
      column: 58,
      message: /tls applies to pwsh-remoting over WinRM/,
    });
    expectProblem(inv('{ kind: pwsh-remoting, via: wsman }'), {
      field: 'environments[0].hosts[0].transport.via',
      line: 7,
      column: 48,
      message: /expected how pwsh-remoting reaches the host: winrm or ssh, got "wsman"/,
    });
  });
});
