import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const example = (name: string): string => join(root, 'inventories', name);
const fixture = (name: string): string => join(root, 'test/fixtures/inventory', name);
const tmp = mkdtempSync(join(tmpdir(), 'certroll-e2e-inv-'));

function write(name: string, text: string): string {
  const file = join(tmp, name);
  writeFileSync(file, text);
  return file;
}

describe('certroll inventory check', () => {
  it.each(['linux-web.yaml', 'windows-httpsys.yaml', 'business-central.yaml'])(
    'accepts the example %s and prints its resolved tree',
    (name) => {
      const r = runCli(['inventory', 'check', example(name)]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^inventory .*\n {2}sha256 [0-9a-f]{64}\n/);
      expect(r.stdout).toMatch(/^environment /m);
    },
  );

  it('prints hosts with their transport and bindings with port, kind, SNI and pool', () => {
    const r = runCli(['inventory', 'check', example('linux-web.yaml')]);
    expect(r.stdout).toContain('host web-01  10.0.5.11  via ssh deploy@10.0.5.11:22 (sudo)');
    expect(r.stdout).toMatch(/443 +nginx +sni www\.example\.com, example\.com +\[web-01:443\]/);
    expect(r.stdout).toContain('pool shop: lb-01 lb-01:443, lb-02 lb-02:443');
    expect(r.stdout).toContain('vip 10.0.5.100:443, sampled 8 times per name');
    expect(r.stdout).toContain('excluded 9443: vendor monitoring agent, renewed by the vendor');
  });

  it('shows the SOAP and OData ports of a Business Central service tier', () => {
    const r = runCli(['inventory', 'check', example('business-central.yaml')]);
    expect(r.stdout).toMatch(/7147 +bc-service-tier/);
    expect(r.stdout).toMatch(/7148 +bc-service-tier/);
  });

  it('prints the resolved model as JSON with --json', () => {
    const r = runCli(['inventory', 'check', example('windows-httpsys.yaml'), '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      inventory: { environments: unknown[]; digest: string };
    };
    expect(out.ok).toBe(true);
    expect(out.inventory.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(out.inventory.environments).toHaveLength(1);
  });

  it('exits 65 with every problem as file:line:column, field and message, and no stack trace', () => {
    const file = write(
      'bad.yaml',
      [
        'version: 1',
        'environments:',
        '  - name: prod',
        '    hosts:',
        '      - name: web-01',
        '        address: 10.0.0.1',
        '        transport: { password: hunter2 }',
        '        bindings:',
        '          - { port: "443", kind: nginx, probe: { sni: none } }',
        '',
      ].join('\n'),
    );
    const r = runCli(['inventory', 'check', file]);
    expect(r.code).toBe(65);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('certroll: error [INVENTORY_INVALID]');
    expect(r.stderr).toContain(
      `${file}:7:32: environments[0].hosts[0].transport.password: literal secret refused`,
    );
    expect(r.stderr).toContain(
      `${file}:9:21: environments[0].hosts[0].bindings[0].port: expected an integer port`,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports the errors as JSON with --json, exit 65', () => {
    const file = write('bad2.yaml', 'version: 1\nenvironments: []\n');
    const r = runCli(['--json', 'inventory', 'check', file]);
    expect(r.code).toBe(65);
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      error: { code: string; details: unknown[] };
    };
    expect(out.ok).toBe(false);
    expect(out.error.code).toBe('INVENTORY_INVALID');
    expect(out.error.details).toEqual([
      expect.objectContaining({ file, line: 2, column: 15, field: 'environments' }),
    ]);
  });

  it('exits 65 on YAML it refuses, such as a custom tag', () => {
    const file = write('tag.yaml', 'version: !!python/object:os.system 1\n');
    const r = runCli(['inventory', 'check', file]);
    expect(r.code).toBe(65);
    expect(r.stderr).toContain('[INVENTORY_YAML]');
  });

  it('exits 66 when the inventory does not exist', () => {
    const r = runCli(['inventory', 'check', join(tmp, 'missing.yaml')]);
    expect(r.code).toBe(66);
    expect(r.stderr).toContain('[INPUT_NOT_FOUND]');
  });

  it('exits 64 on an unknown --format', () => {
    const r = runCli(['inventory', 'check', example('linux-web.yaml'), '--format', 'toml']);
    expect(r.code).toBe(64);
  });

  it('reads an Ansible YAML inventory', () => {
    const r = runCli(['inventory', 'check', fixture('ansible/hosts.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'host app-01  app-01.corp.example.com  via powershell-ssh deploy@app-01.corp.example.com:2222',
    );
  });

  it('reads recorded ansible-inventory --list JSON', () => {
    const r = runCli(['inventory', 'check', fixture('ansible/list.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('environment production');
  });

  it('reads an INI inventory with its group_vars/ and host_vars/ without Ansible', () => {
    const r = runCli(['inventory', 'check', fixture('ansible/ini-layout/hosts.ini')], {
      env: { PATH: tmp },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('environment production');
  });

  it('runs ansible-inventory when told to, and says so when it is not installed', () => {
    const r = runCli(
      [
        'inventory',
        'check',
        '--format',
        'ansible-inventory',
        fixture('ansible/ini-layout/hosts.ini'),
      ],
      { env: { PATH: tmp } },
    );
    expect(r.code).toBe(66);
    expect(r.stderr).toContain('ansible-inventory, which is not installed');
  });
});

describe('certroll inventory schema', () => {
  it('prints a JSON Schema that refuses unknown keys', () => {
    const r = runCli(['inventory', 'schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(schema['$schema']).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema['additionalProperties']).toBe(false);
    expect(schema['required']).toEqual(['version', 'environments']);
  });

  it('matches inventories/certroll-inventory.schema.json, which the examples point editors to', () => {
    const r = runCli(['inventory', 'schema']);
    expect(JSON.parse(r.stdout)).toEqual(
      JSON.parse(readFileSync(example('certroll-inventory.schema.json'), 'utf8')),
    );
  });
});

describe('start-up cost', () => {
  it('certroll --help loads neither yaml nor zod', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', fixture('trace-imports.ts'), BIN, '--help'],
      { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
    );
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('commander');
    expect(r.stderr).not.toMatch(/node_modules\/(yaml|zod)\//);
  });

  it('the import trace does see zod when a command needs it', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', fixture('trace-imports.ts'), BIN, 'inventory', 'schema'],
      { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
    );
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/node_modules\/zod\//);
  });

  it('certroll inventory --help lists check and schema without loading them', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', fixture('trace-imports.ts'), BIN, 'inventory', '--help'],
      { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
    );
    expect(r.stdout).toMatch(/check .*<inventory>/);
    expect(r.stdout).toContain('schema');
    expect(r.stderr).not.toMatch(/node_modules\/(yaml|zod)\//);
  });
});
