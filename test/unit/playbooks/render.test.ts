import { describe, expect, it } from 'vitest';
import { type CapturedState } from '../../../src/playbooks/capture.js';
import { loadPlaybooks, parsePlaybook } from '../../../src/playbooks/load.js';
import { validateParams } from '../../../src/playbooks/params.js';
import { renderStep, type Material, type RenderContext } from '../../../src/playbooks/render.js';
import { stagingPaths } from '../../../src/playbooks/staging.js';

const registry = loadPlaybooks();
const KEY = [
  '-----BEGIN PRIVATE KEY-----',
  'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgVcB7sB1bq4hF2xQk',
  'hRANCAAT0x3dQ7bO6v4wS2m0kq1T5y1q6S0rM3oQ6s0Hh3aJc8v2lq9Jm6y0Zb8Q',
  '-----END PRIVATE KEY-----',
  '',
].join('\n');
const pem: Material = {
  kind: 'pem',
  certPem: '-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n',
  chainPem: '-----BEGIN CERTIFICATE-----\nMIIBchain\n-----END CERTIFICATE-----\n',
  keyPem: KEY,
};
const captured: CapturedState = {
  type: 'files',
  files: { cert: { exists: false }, key: { exists: false } },
};

function ctx(params: Record<string, unknown>, extra: Partial<RenderContext> = {}): RenderContext {
  return {
    runId: 'run-7',
    host: { name: 'web-03', address: '10.0.4.7' },
    binding: {
      id: 'web-03:443',
      port: 443,
      kind: 'pem-files',
      params,
      origin: { file: 'inv.yaml', line: 9, field: 'environments[0].hosts[0].bindings[0]' },
    },
    cert: { sha256: 'c'.repeat(64), thumbprint: 'D'.repeat(40) },
    ...extra,
  };
}

describe('renderStep for sh playbooks', () => {
  const pb = registry.get('pem-files');

  it('stages key material as 0600 uploads in the run folder, never in the script', () => {
    const r = renderStep(
      pb,
      'stage',
      ctx({ certPath: '/etc/ssl/a.crt', keyPath: '/etc/ssl/a.key' }, { material: pem, captured }),
    );
    const dir = '/var/tmp/certroll-run-7/web-03_443';
    expect(r.uploads.map((u) => [u.path, u.mode])).toEqual([
      [`${dir}/cert.pem`, 0o600],
      [`${dir}/chain.pem`, 0o600],
      [`${dir}/fullchain.pem`, 0o600],
      [`${dir}/key.pem`, 0o600],
    ]);
    expect(r.uploads[2]!.data).toBe(pem.certPem + pem.chainPem);
    expect(r.prepare).toContain("'/var/tmp/certroll-run-7'");
    expect(r.stdin).toBeUndefined();
    expect(r.secretsInStdin).toBe(false);
    for (const line of KEY.split('\n').slice(1, 3)) expect(r.script).not.toContain(line);
  });

  it('stages only the files the steps read: haproxy the combined PEM alone', () => {
    const haproxy = registry.get('haproxy');
    const params = Object.fromEntries(
      Object.entries(haproxy.params)
        .filter(([, p]) => p.required === true)
        .map(([name]) => [
          name,
          name === 'configPath' ? '/etc/haproxy/haproxy.cfg' : '/etc/ssl/a.pem',
        ]),
    );
    const r = renderStep(haproxy, 'stage', ctx(params, { material: pem, captured }));
    expect(r.uploads.map((u) => [u.path, u.mode, u.data])).toEqual([
      ['/var/tmp/certroll-run-7/web-03_443/combined.pem', 0o600, pem.certPem + pem.chainPem + KEY],
    ]);
    // Cleanup still removes every staged name, written or not.
    const cleanup = renderStep(haproxy, 'cleanup', ctx(params, { captured }));
    for (const f of ['cert', 'key', 'chain', 'fullchain', 'combined'])
      expect(cleanup.script).toContain(`/var/tmp/certroll-run-7/web-03_443/${f}.pem`);
  });

  it('quotes every placeholder and renders an unset optional parameter as an empty word', () => {
    const r = renderStep(pb, 'capture', ctx({ certPath: "/etc/ssl/it's.crt", keyPath: '/k' }));
    expect(r.script).toContain(`look cert '/etc/ssl/it'\\''s.crt'`);
    expect(r.script).toContain(`look chain ''`);
  });

  it('renders a list as separately quoted words', () => {
    const r = renderStep(registry.get('nginx'), 'preflight', {
      ...ctx({ certPath: '/c', keyPath: '/k', nginxArgs: ['-p', '/srv/my nginx', '-c', 'conf'] }),
    });
    expect(r.script).toContain(`'nginx' '-p' '/srv/my nginx' '-c' 'conf' "$@"`);
  });

  it('refuses a parameter that carries key material into the script', () => {
    expect(() =>
      renderStep(
        pb,
        'bind',
        ctx({ certPath: '/c', keyPath: '/k', owner: KEY }, { material: pem, captured }),
      ),
    ).toThrow(
      expect.objectContaining({ code: 'INTERNAL', message: expect.stringContaining('secret') }),
    );
  });

  it('needs the capture for rollback and the material for stage', () => {
    const params = { certPath: '/c', keyPath: '/k' };
    expect(() => renderStep(pb, 'rollback', ctx(params))).toThrow(/without a capture/);
    expect(() => renderStep(pb, 'stage', ctx(params, { captured }))).toThrow(/needs pem material/);
  });

  it('keeps staging paths safe for any binding id and refuses an unsafe run id', () => {
    expect(stagingPaths('/var/tmp/', 'r1', 'host:443/../x').dir).toBe(
      '/var/tmp/certroll-r1/host_443_.._x',
    );
    expect(() => stagingPaths('/var/tmp', '../r', 'b')).toThrow();
    expect(() => stagingPaths('tmp', 'r', 'b')).toThrow();
  });
});

describe('renderStep for PowerShell playbooks', () => {
  it('quotes placeholders of a user playbook with psQuote', () => {
    const yaml = [
      'kind: ps-custom',
      'description: a user kind',
      'shell: powershell',
      'params:',
      '  name: { type: string, required: true, description: a name }',
      '  items: { type: list, default: [], description: some items }',
      'steps:',
      '  preflight: Write-Output {{ param.name }} {{ param.items }}',
      ...['capture', 'stage', 'bind', 'rollback', 'cleanup'].map((s) => `  ${s}: exit 0`),
      '',
    ].join('\n');
    const pb = parsePlaybook(yaml, '/u/ps-custom.yaml');
    const base = ctx({});
    const r = renderStep(pb, 'preflight', {
      ...base,
      binding: {
        ...base.binding,
        kind: 'ps-custom',
        params: { name: "O’Brien's $x", items: ['a', "b'c"] },
      },
    });
    expect(r.script).toBe("Write-Output 'O’’Brien''s $x' @('a', 'b''c')");
  });

  it('sends nothing secret to a kind that declares no material', () => {
    const r = renderStep(registry.get('windows-service'), 'stage', {
      ...ctx({ service: 'Svc' }),
      binding: { ...ctx({}).binding, kind: 'windows-service', params: { service: 'Svc' } },
      material: { kind: 'pfx', pfx: Buffer.from('x'), password: 'p' },
      captured: { type: 'windows-service', name: 'Svc', status: 'Running' },
    });
    expect(r.secretsInStdin).toBe(false);
    expect(JSON.parse(String(r.stdin))).not.toHaveProperty('pfx');
  });
});

describe('validateParams', () => {
  const pb = registry.get('pem-files');
  const binding = (params: Record<string, unknown>) => ({ ...ctx(params).binding });

  it('accepts valid params', () => {
    expect(validateParams(pb, binding({ certPath: '/c', keyPath: '/k', fullchain: true }))).toEqual(
      [],
    );
  });

  it('lists every problem with the binding origin', () => {
    const errors = validateParams(
      pb,
      binding({ certPath: 5, fullchain: 'yes', certMode: '999', extra: 1 }),
    );
    expect(errors.map((e) => e.message)).toEqual([
      'unknown parameter "extra" for binding kind pem-files',
      'certPath: expected a path (text), got number 5',
      'missing required parameter keyPath: Where the private key goes.',
      'fullchain: expected true or false, got string "yes"',
      'certMode: "999" does not match [0-7]{3,4}',
    ]);
    expect(errors[0]).toMatchObject({
      file: 'inv.yaml',
      line: 9,
      field: 'environments[0].hosts[0].bindings[0].params.extra',
    });
  });

  it('checks thumbprints, integers and lists', () => {
    const bc = registry.get('bc-service-tier');
    expect(
      validateParams(bc, binding({ instance: 'BC', restartTimeoutSeconds: 1.5 }))[0]?.message,
    ).toContain('integer');
    const nginx = registry.get('nginx');
    expect(
      validateParams(nginx, binding({ certPath: '/c', keyPath: '/k', nginxArgs: '-p x' }))[0]
        ?.message,
    ).toContain('list');
  });
});
