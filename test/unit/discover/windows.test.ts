import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyseHost } from '../../../src/discover/coverage.js';
import { collectWindows } from '../../../src/discover/windows/collect.js';
import { netshEndpoints, parseWindowsDiscovery } from '../../../src/discover/windows/parse.js';
import { WINDOWS_DISCOVER_SCRIPT } from '../../../src/discover/windows/script.js';
import { type Transport } from '../../../src/transport/types.js';
import { binding, host } from './helpers.js';

// Windows cannot run here: the discovery script is checked by its text (golden, static) and its
// output by parsing recorded `netsh http show sslcert` listings (English and German builds).
const WIN = join(import.meta.dirname, '../../fixtures/windows');
const GOLDEN = join(import.meta.dirname, '../../fixtures/discover/windows-discover.ps1');
const netsh = (f: string) => readFileSync(join(WIN, f), 'utf8');
const short = (f: string) =>
  netshEndpoints(netsh(f)).map(
    (e) => `${e.address ?? '*'}:${e.port} ${e.names.join(',') || '-'} ${e.thumbprint ?? '-'}`,
  );

describe('Windows discovery: netsh listings', () => {
  it.each([
    [
      'netsh-2012r2-en.txt',
      [
        '*:443 - 6F2C0A9D3E5B7C1A8F4E2D6B9C0A1E3F5D7B9C2E',
        '*:7047 - 6F2C0A9D3E5B7C1A8F4E2D6B9C0A1E3F5D7B9C2E',
        '*:443 www.example.com 1111111111111111111111111111111111111111',
      ],
    ],
    [
      'netsh-2016-en.txt',
      [
        '*:7048 - A0B1C2D3E4F5A6B7C8D9E0F1A2B3C4D5E6F7A8B9',
        '*:443 - A0B1C2D3E4F5A6B7C8D9E0F1A2B3C4D5E6F7A8B9',
      ],
    ],
    [
      'netsh-2019-de.txt',
      [
        '*:7047 - 9C8B7A6F5E4D3C2B1A0F9E8D7C6B5A4F3E2D1C0B',
        '*:7048 bc.beispiel.de 9C8B7A6F5E4D3C2B1A0F9E8D7C6B5A4F3E2D1C0B',
      ],
    ],
    ['netsh-2019-en.txt', ['10.0.4.7:8443 - 0123456789ABCDEF0123456789ABCDEF01234567']],
    ['netsh-2022-en.txt', ['*:7048 api.example.com FEDCBA9876543210FEDCBA9876543210FEDCBA98']],
    ['netsh-notfound-en.txt', []],
    ['netsh-notfound-de.txt', []],
  ])(
    '%s gives its endpoints (central certificate store entries have no port binding)',
    (file, expected) => {
      expect(short(file)).toEqual(expected);
    },
  );

  it('a BC host whose inventory lists 7047 only: 7048 (SOAP/OData) is uncovered and on the old certificate', () => {
    const stdout = JSON.stringify({
      version: 1,
      netsh: netsh('netsh-2019-de.txt'),
      netshExit: 0,
      listeners: [
        { address: '0.0.0.0', port: 7047, process: 'Microsoft.Dynamics.Nav.Server' },
        { address: '::', port: 7048, process: 'Microsoft.Dynamics.Nav.Server' },
      ],
      iis: {
        site: 'Default Web Site',
        bindingInformation: '*:443:',
        sslFlags: 0,
        certificateHash: '9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b',
      },
      bc: [
        {
          instance: 'BC210',
          state: 'Running',
          settings: {
            ServicesCertificateThumbprint: '9C8B7A6F5E4D3C2B1A0F9E8D7C6B5A4F3E2D1C0B',
            SOAPServicesPort: '7047',
            SOAPServicesSSLEnabled: 'True',
            ODataServicesPort: '7048',
            ODataServicesSSLEnabled: 'true',
            DeveloperServicesPort: '7049',
            DeveloperServicesSSLEnabled: 'False',
          },
        },
      ],
    });
    const w = parseWindowsDiscovery(`#< CLIXML\n${stdout}`);
    expect(w.listeners).toHaveLength(2);
    expect(w.configured.map((c) => `${c.source}:${c.port}`)).toEqual([
      'netsh:7047',
      'netsh:7048',
      'iis:443',
      'bc:7047',
      'bc:7048',
    ]);
    const bc = host([
      binding(7047, {
        kind: 'netsh-http',
        params: { ipport: '0.0.0.0:7047' },
        probe: { address: '10.0.0.5', port: 7047, sni: [] },
      }),
    ]);
    const reports = analyseHost(
      bc,
      { listeners: w.listeners, configured: w.configured, served: [], notes: [] },
      {
        old: new Set(),
        oldThumbprints: new Set(['9C8B7A6F5E4D3C2B1A0F9E8D7C6B5A4F3E2D1C0B']),
        now: Date.now(),
        critDays: 7,
      },
    );
    expect(reports.map((r) => `${r.port} ${r.coverage.kind} ${r.old}`)).toEqual([
      '443 uncovered true',
      '7047 binding true',
      '7048 uncovered true',
    ]);
    expect(reports.find((r) => r.port === 7048)?.configured.map((c) => c.instance)).toContain(
      'BC210',
    );
  });
});

describe('Windows discovery: the script', () => {
  it('matches its golden text', () => {
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, WINDOWS_DISCOVER_SCRIPT);
    expect(existsSync(GOLDEN), `${GOLDEN} is missing; run with UPDATE_GOLDEN=1`).toBe(true);
    expect(WINDOWS_DISCOVER_SCRIPT).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('is sent as it is, with no value of the host in its text; its input is JSON on stdin', async () => {
    const sent: { script: string; stdin: string }[] = [];
    const hostile = "web'; Remove-Item C:\\ -Recurse; $(calc) `whoami`";
    const t: Transport = {
      target: `${hostile} (10.6.6.6:22)`,
      shell: 'powershell',
      connect: () => Promise.resolve(),
      exec: (script, o) => {
        sent.push({ script, stdin: String(o?.stdin ?? '') });
        return Promise.resolve({
          exitCode: 0,
          stdout: JSON.stringify({ netsh: '', listeners: [], iis: [], bc: [] }),
          stderr: '',
          durationMs: 1,
        });
      },
      putFile: () => Promise.resolve(),
      remove: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    await collectWindows(t);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.script).toBe(WINDOWS_DISCOVER_SCRIPT);
    expect(sent[0]!.script).not.toContain('10.6.6.6');
    expect(sent[0]!.script).not.toContain('calc');
    expect(JSON.parse(sent[0]!.stdin)).toEqual({ limit: 512 });
  });

  it('reports a script that printed no JSON as PLAYBOOK_OUTPUT with its stderr', async () => {
    const t = {
      target: 'win-1 (10.0.0.9:22)',
      shell: 'powershell',
      connect: () => Promise.resolve(),
      exec: () =>
        Promise.resolve({ exitCode: 1, stdout: '', stderr: 'Access is denied.', durationMs: 1 }),
      putFile: () => Promise.resolve(),
      remove: () => Promise.resolve(),
      close: () => Promise.resolve(),
    } satisfies Transport;
    await expect(collectWindows(t)).rejects.toMatchObject({
      code: 'PLAYBOOK_OUTPUT',
      hint: expect.stringContaining('Access is denied.'),
    });
  });
});
