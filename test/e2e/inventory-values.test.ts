import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliAsync } from '../helpers/cli.js';
import { TestPki } from '../lab/index.js';

// Every value that reaches a remote command, refused where the inventory is read: by
// `inventory check` all at once with file:line:column, and by `plan` before any host is reached.
const tmp = mkdtempSync(join(tmpdir(), 'certroll-e2e-values-'));
const THUMB = 'A909502DD82AE41433E6F83886B00D4277A32A7B';
const LRM = '\u200e';

// Stand-ins for the hosts' SSH ports: a plan that got past validation would connect here.
const listeners: Server[] = [];
let connections = 0;
const ports: number[] = [];

async function listen(address: string): Promise<number> {
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  listeners.push(server);
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  const a = server.address();
  if (a === null || typeof a === 'string') throw new Error('no port');
  return a.port;
}

let pki: TestPki;
let bundle: string;
let root: string;

beforeAll(async () => {
  ports.push(await listen('127.77.0.1'), await listen('127.77.0.2'));
  pki = TestPki.create();
  const chain = pki.chain(['www.example.com', 'app.example.com']);
  bundle = pki.write(
    'bundle.pem',
    chain.leaf.certPem + chain.intermediate.certPem + chain.leaf.keyPem,
  );
  root = chain.root.certPath;
});

afterAll(async () => {
  await Promise.all(listeners.map((s) => new Promise((r) => s.close(r))));
  pki?.cleanup();
});

interface Bad {
  readonly linuxStateDir: string;
  readonly windowsStateDir: string;
  readonly certHash: string;
}

const BAD: Bad = {
  linuxStateDir: 'var/tmp/certroll',
  windowsStateDir: '/var/tmp',
  certHash: `${LRM}${THUMB}`,
};

function inventoryText(v: Bad): string {
  return [
    'version: 1',
    'environments:',
    '  - name: prod',
    '    hosts:',
    '      - name: web-01',
    '        address: 127.77.0.1',
    `        transport: { kind: ssh, port: ${ports[0]}, user: deploy, password: { env: TEST_PASS } }`,
    `        stateDir: '${v.linuxStateDir}'`,
    '        bindings:',
    '          - port: 443',
    '            kind: nginx',
    '            probe: { sni: [www.example.com] }',
    '            params:',
    '              certPath: etc/nginx/site.crt',
    '              keyPath: /etc/nginx/../shadow',
    '              nginxBinary: -c/tmp/evil.conf',
    '      - name: app-01',
    '        address: 127.77.0.2',
    `        transport: { kind: powershell-ssh, port: ${ports[1]}, user: svc, password: { env: TEST_PASS } }`,
    `        stateDir: '${v.windowsStateDir}'`,
    '        bindings:',
    '          - port: 443',
    '            kind: netsh-http',
    '            probe: { sni: [app.example.com] }',
    `            params: { ipport: '0.0.0.0:443', certHash: '${v.certHash}' }`,
    '          - port: 7147',
    '            kind: bc-service-tier',
    '            probe: { sni: [app.example.com] }',
    '            params: { instance: MicrosoftDynamicsNavServer$BC230, managementModule: /opt/nav.psm1 }',
    '          - port: 8443',
    '            kind: windows-service',
    '            probe: { sni: [app.example.com] }',
    "            params: { service: 'W3*' }",
    '',
  ].join('\n');
}

/** `line:column` where `needle` starts in `text`, plus `skip` characters. */
function at(text: string, needle: string, skip = 0): string {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`${needle} not in the inventory`);
  const before = text.slice(0, i + skip).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

function write(name: string, text: string): string {
  const file = join(tmp, name);
  writeFileSync(file, text);
  return file;
}

const H0 = 'environments[0].hosts[0]';
const H1 = 'environments[0].hosts[1]';

describe('certroll inventory check on values that would reach a remote command', () => {
  it('lists every problem with file:line:column, the field and the value, and exits 65', () => {
    const text = inventoryText(BAD);
    const file = write('bad-values.yaml', text);
    const r = runCli(['inventory', 'check', file]);
    expect(r.code, r.stderr).toBe(65);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`certroll: error [INVENTORY_INVALID]: ${file}: 9 problems`);
    const lines = [
      `${file}:${at(text, "'var/tmp/certroll'")}: ${H0}.stateDir: stateDir "var/tmp/certroll" is not absolute: it must start with /`,
      `${file}:${at(text, 'etc/nginx/site.crt')}: ${H0}.bindings[0].params.certPath: certPath: path "etc/nginx/site.crt" is not absolute: it must start with /`,
      `${file}:${at(text, '/etc/nginx/../shadow')}: ${H0}.bindings[0].params.keyPath: keyPath: path "/etc/nginx/../shadow" has a '..' segment`,
      `${file}:${at(text, '-c/tmp/evil.conf')}: ${H0}.bindings[0].params.nginxBinary: nginxBinary: command "-c/tmp/evil.conf" is neither a program name`,
      `${file}:${at(text, "'/var/tmp'")}: ${H1}.stateDir: stateDir "/var/tmp" is a POSIX path, but this host runs PowerShell`,
      `${file}:${at(text, `'${LRM}`)}: ${H1}.bindings[0].params.certHash: thumbprint "\\u200e${THUMB}" contains an invisible U+200E LEFT-TO-RIGHT MARK at position 1 (copied from the certificate dialog?)`,
      `${file}:${at(text, 'MicrosoftDynamicsNavServer$')}: ${H1}.bindings[1].params.instance: instance: server instance name "MicrosoftDynamicsNavServer$BC230" is the service name; give the instance name alone`,
      `${file}:${at(text, '/opt/nav.psm1')}: ${H1}.bindings[1].params.managementModule: managementModule: path "/opt/nav.psm1" is a POSIX path, but this host runs PowerShell`,
      `${file}:${at(text, "'W3*'")}: ${H1}.bindings[2].params.service: service: service name "W3*" contains "*", a wildcard to Get-Service and Restart-Service`,
    ];
    for (const line of lines) expect(r.stderr).toContain(line);
    // The thumbprint is reported once, not again as a parameter netsh-http does not declare.
    expect(r.stderr).not.toContain('unknown parameter "certHash"');
    // Hints say what to do.
    expect(r.stderr).toContain('certroll adds MicrosoftDynamicsNavServer$ itself');
  });

  it('accepts the same inventory once the values are right', () => {
    const text = inventoryText(BAD)
      .replace("'var/tmp/certroll'", '/var/tmp/certroll')
      .replace("'/var/tmp'", "'C:\\ProgramData\\certroll'")
      .replace(`${LRM}${THUMB}`, THUMB)
      .replace('etc/nginx/site.crt', '/etc/nginx/site.crt')
      .replace('/etc/nginx/../shadow', '/etc/nginx/site.key')
      .replace('-c/tmp/evil.conf', '/usr/sbin/nginx')
      .replace('MicrosoftDynamicsNavServer$BC230', 'BC230')
      .replace('/opt/nav.psm1', "'C:\\NAV\\NavAdminTool.ps1'")
      .replace("'W3*'", 'W3SVC')
      .replace(", certHash: '", ", grantAccount: '");
    const r = runCli(['inventory', 'check', write('good-values.yaml', text)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('certroll plan on the same inventory', () => {
  const planArgs = (inv: string) => [
    'plan',
    '-i',
    inv,
    '--cert',
    bundle,
    '--trust',
    root,
    '-o',
    join(tmp, 'p.json'),
  ];

  it('refuses it with exit 65 and never connects to a host', async () => {
    const text = inventoryText(BAD);
    const file = write('plan-bad-values.yaml', text);
    const r = await runCliAsync(planArgs(file), {
      timeoutMs: 60_000,
      env: { TEST_PASS: 'not-used' },
    });
    expect(r.code, r.stderr).toBe(65);
    expect(r.stderr).toContain('[INVENTORY_INVALID]');
    expect(r.stderr).toContain(
      `${file}:${at(text, `'${LRM}`)}: ${H1}.bindings[0].params.certHash: thumbprint "\\u200e${THUMB}" contains an invisible U+200E LEFT-TO-RIGHT MARK at position 1`,
    );
    expect(r.stderr).toContain(`${H0}.stateDir: stateDir "var/tmp/certroll" is not absolute`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(connections).toBe(0);
  });

  it('does reach the hosts once the inventory is valid (so the two above can fail)', async () => {
    const before = connections;
    const text = inventoryText({
      linuxStateDir: '/var/tmp/certroll',
      windowsStateDir: 'C:\\ProgramData\\certroll',
      certHash: THUMB,
    })
      .replace('etc/nginx/site.crt', '/etc/nginx/site.crt')
      .replace('/etc/nginx/../shadow', '/etc/nginx/site.key')
      .replace('-c/tmp/evil.conf', '/usr/sbin/nginx')
      .replace('MicrosoftDynamicsNavServer$BC230', 'BC230')
      .replace('/opt/nav.psm1', "'C:\\NAV\\NavAdminTool.ps1'")
      .replace("'W3*'", 'W3SVC')
      .replace(", certHash: '", ", grantAccount: '");
    const r = await runCliAsync(planArgs(write('plan-good.yaml', text)), {
      timeoutMs: 60_000,
      env: { TEST_PASS: 'not-used' },
    });
    expect(r.code, r.stderr).not.toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(connections, r.stderr).toBeGreaterThan(before);
    connections = before;
  });

  it('refuses bad parameters alone the same way, before any host is reached', async () => {
    const text = inventoryText({
      linuxStateDir: '/var/tmp/certroll',
      windowsStateDir: 'C:\\ProgramData\\certroll',
      certHash: THUMB,
    });
    const file = write('plan-bad-params.yaml', text);
    const r = await runCliAsync(planArgs(file), {
      timeoutMs: 60_000,
      env: { TEST_PASS: 'not-used' },
    });
    expect(r.code, r.stderr).toBe(65);
    expect(r.stderr).toContain('No host was modified.');
    expect(r.stderr).toContain(
      `${H0}.bindings[0].params.certPath: certPath: path "etc/nginx/site.crt" is not absolute`,
    );
    expect(r.stderr).toContain(`${H1}.bindings[2].params.service: service: service name "W3*"`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(connections).toBe(0);
  });

  it('discover refuses bad parameters too, before any host is reached', async () => {
    const text = inventoryText({
      linuxStateDir: '/var/tmp/certroll',
      windowsStateDir: 'C:\\ProgramData\\certroll',
      certHash: THUMB,
    });
    const file = write('discover-bad-params.yaml', text);
    const r = await runCliAsync(['discover', '-i', file], {
      timeoutMs: 60_000,
      env: { TEST_PASS: 'not-used' },
    });
    expect(r.code, r.stderr).toBe(65);
    expect(r.stderr).toContain(
      `${file}:${at(text, '-c/tmp/evil.conf')}: ${H0}.bindings[0].params.nginxBinary: nginxBinary: command "-c/tmp/evil.conf"`,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(connections).toBe(0);
  });
});
