import { describe, expect, it } from 'vitest';
import { isCertrollError } from '../../../src/errors.js';
import { loadPlaybooks, parsePlaybook } from '../../../src/playbooks/load.js';
import { validateParams } from '../../../src/playbooks/params.js';

// The built-in playbooks' parameters checked by value type, with the shell of the playbook.
const registry = loadPlaybooks();
const origin = { file: 'inv.yaml', line: 9, field: 'environments[0].hosts[0].bindings[0]' };
const binding = (kind: string, params: Record<string, unknown>) => ({
  id: 'h:443',
  kind,
  params,
  origin,
});
const problems = (kind: string, params: Record<string, unknown>) =>
  validateParams(registry.get(kind), binding(kind, params)).map((d) => d.message);

describe('path parameters of an sh playbook', () => {
  it('accept absolute POSIX paths', () => {
    expect(problems('pem-files', { certPath: '/etc/a.crt', keyPath: '/etc/a.key' })).toEqual([]);
  });

  it('refuse a relative path, a .. segment and a leading -, each with the parameter name', () => {
    expect(
      problems('pem-files', {
        certPath: 'site.crt',
        keyPath: '/etc/ssl/../shadow',
        chainPath: '-chain.pem',
      }),
    ).toEqual([
      'certPath: path "site.crt" is not absolute: it must start with /',
      'keyPath: path "/etc/ssl/../shadow" has a \'..\' segment',
      'chainPath: path "-chain.pem" starts with \'-\', which a command would read as an option',
    ]);
  });

  it('refuse a Windows path', () => {
    expect(problems('nginx', { certPath: 'C:\\a.crt', keyPath: '/k' })[0]).toMatch(
      /certPath: path "C:\\\\a.crt" is a Windows path, but this host runs sh/,
    );
  });

  it('carry a hint and the field of the parameter', () => {
    const [d] = validateParams(
      registry.get('pem-files'),
      binding('pem-files', { certPath: 'a', keyPath: '/k' }),
    );
    expect(d).toMatchObject({
      file: 'inv.yaml',
      line: 9,
      field: 'environments[0].hosts[0].bindings[0].params.certPath',
    });
    expect(d?.hint).toMatch(/full path/);
  });
});

describe('command parameters', () => {
  it('accept a program name found on PATH and an absolute path', () => {
    const base = { certPath: '/c', keyPath: '/k' };
    expect(problems('nginx', { ...base, nginxBinary: 'nginx' })).toEqual([]);
    expect(problems('nginx', { ...base, nginxBinary: '/usr/sbin/nginx' })).toEqual([]);
  });

  it('refuse an option, a relative path and a .. path', () => {
    const base = { certPath: '/c', keyPath: '/k' };
    expect(problems('nginx', { ...base, nginxBinary: '-c/etc/evil.conf' })[0]).toMatch(
      /neither a program name .* nor an absolute path/,
    );
    expect(problems('nginx', { ...base, nginxBinary: 'sbin/nginx' })[0]).toMatch(/neither/);
    expect(
      problems('haproxy', { crtPath: '/c', configPath: '/f', haproxyBinary: '/usr/../bin/x' })[0],
    ).toMatch(/haproxyBinary: command path "\/usr\/..\/bin\/x" has a '..' segment/);
  });
});

describe('path parameters of a PowerShell playbook', () => {
  it('accept a drive path and a UNC path', () => {
    for (const managementModule of ['C:\\NAV\\NavAdminTool.ps1', '\\\\fs\\nav\\NavAdminTool.ps1'])
      expect(problems('bc-service-tier', { instance: 'BC230', managementModule })).toEqual([]);
  });

  it('refuse a POSIX path and a relative one', () => {
    expect(
      problems('bc-service-tier', { instance: 'BC230', managementModule: '/opt/nav.psm1' })[0],
    ).toMatch(/is a POSIX path, but this host runs PowerShell/);
    expect(
      problems('bc-service-tier', { instance: 'BC230', managementModule: 'NavAdminTool.ps1' })[0],
    ).toMatch(/not absolute: it must start with a drive/);
  });
});

describe('Windows names', () => {
  it('windows-service refuses a wildcard and a backslash in the service name', () => {
    expect(problems('windows-service', { service: 'W3*' })).toEqual([
      'service: service name "W3*" contains "*", a wildcard to Get-Service and Restart-Service',
    ]);
    expect(problems('windows-service', { service: 'NT SERVICE\\W3SVC' })[0]).toMatch(
      /contains "\\\\", which Windows does not allow in a service name/,
    );
  });

  it('windows-service accepts names Windows accepts, $ and spaces included', () => {
    expect(problems('windows-service', { service: 'MSSQL$SQL EXPRESS' })).toEqual([]);
  });

  it('bc-service-tier refuses the full service name as an instance', () => {
    expect(problems('bc-service-tier', { instance: 'MicrosoftDynamicsNavServer$BC230' })).toEqual([
      'instance: server instance name "MicrosoftDynamicsNavServer$BC230" is the service name; give the instance name alone',
    ]);
  });
});

describe('a playbook whose default breaks its own type', () => {
  it('fails to load, naming the default', () => {
    const text = [
      'kind: mine',
      'description: x',
      'shell: sh',
      'params:',
      '  dir:',
      '    type: path',
      '    default: relative/dir',
      '    description: a folder',
      'steps: { preflight: x, capture: x, stage: x, bind: x, rollback: x, cleanup: x }',
      '',
    ].join('\n');
    let error: unknown;
    try {
      parsePlaybook(text, '/p/mine.yaml');
    } catch (e) {
      error = e;
    }
    expect(isCertrollError(error) && error.details[0]?.message).toBe(
      'default: path "relative/dir" is not absolute: it must start with /',
    );
  });
});
