import { describe, expect, it } from 'vitest';
import { expectProblem, parse, yaml } from './helpers.js';

// A host's stateDir is a folder on the host: absolute by the shell its transport runs.
function host(transport: string, stateDir: string): string {
  return yaml`
    version: 1
    environments:
      - name: prod
        hosts:
          - name: web-01
            address: web-01.example.com
            transport: { kind: ${transport} }
            stateDir: ${JSON.stringify(stateDir)}
  `;
}
const FIELD = 'environments[0].hosts[0].stateDir';
const at = { field: FIELD, line: 8, column: 19 };

describe('a host stateDir', () => {
  it('is accepted when absolute for the host shell', () => {
    expect(parse(host('ssh', '/var/lib/certroll')).environments[0]!.hosts[0]!.stateDir).toBe(
      '/var/lib/certroll',
    );
    expect(parse(host('powershell-ssh', 'D:\\certroll')).environments[0]!.hosts[0]!.stateDir).toBe(
      'D:\\certroll',
    );
    expect(parse(host('pwsh-remoting', '\\\\fs01\\state')).environments[0]!.hosts).toHaveLength(1);
  });

  it('on an ssh host refuses a relative folder', () => {
    expectProblem(host('ssh', 'var/tmp'), {
      ...at,
      message: /^stateDir "var\/tmp" is not absolute: it must start with \/$/,
    });
  });

  it('on an ssh host refuses a Windows folder', () => {
    expectProblem(host('ssh', 'C:\\ProgramData\\certroll'), {
      ...at,
      message: /is a Windows path, but this host runs sh/,
    });
  });

  it('on a PowerShell host refuses a POSIX folder', () => {
    expectProblem(host('powershell-ssh', '/var/tmp'), {
      ...at,
      message: /is a POSIX path, but this host runs PowerShell/,
    });
  });

  it('refuses a .. segment and a leading -', () => {
    expectProblem(host('local', '/var/tmp/../../etc'), { ...at, message: /'\.\.' segment/ });
    expectProblem(host('ssh', '-x'), { ...at, message: /starts with '-'/ });
  });

  it('names an invisible character and where it is', () => {
    expectProblem(host('ssh', '/var/\u200btmp'), {
      ...at,
      message: /contains an invisible U\+200B ZERO WIDTH SPACE at position 6/,
    });
  });
});
