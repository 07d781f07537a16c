import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCapture } from '../../../src/playbooks/capture.js';

const fixture = (name: string): string =>
  readFileSync(join(import.meta.dirname, '../../fixtures/windows', name), 'utf8');
const src = { host: 'web-03 (10.0.4.7:22)', kind: 'pem-files' };
const SHA = 'a'.repeat(64);

describe('parseCapture', () => {
  it('parses the files state of the sh playbooks', () => {
    const out = `{"type":"files","files":{"cert":{"exists":true,"sha256":"${SHA}","mode":"644","uid":0,"gid":33},"chain":{"exists":false}}}\n`;
    expect(parseCapture(out, src)).toEqual({
      type: 'files',
      files: {
        cert: { exists: true, sha256: SHA, mode: '644', uid: 0, gid: 33 },
        chain: { exists: false },
      },
    });
  });

  it.each([
    ['not JSON', 'Permission denied\n'],
    ['two documents', '{"type":"custom","data":{}}\n{"type":"custom","data":{}}'],
    ['an unknown type', '{"type":"apache"}'],
    ['an extra field', `{"type":"files","files":{},"x":1}`],
    [
      'a bad sha256',
      '{"type":"files","files":{"cert":{"exists":true,"sha256":"zz","mode":"644","uid":0,"gid":0}}}',
    ],
  ])('rejects %s with PLAYBOOK_OUTPUT naming the step and host', (_what, out) => {
    expect(() => parseCapture(out, { ...src, step: 'capture' })).toThrow(
      expect.objectContaining({
        code: 'PLAYBOOK_OUTPUT',
        message: expect.stringContaining('pem-files capture on web-03 (10.0.4.7:22)'),
      }),
    );
  });

  it('parses raw netsh output into bindings with the arguments that restore them', () => {
    const out = JSON.stringify({
      type: 'netsh-http',
      endpoints: [
        {
          endpoint: 'ipport=0.0.0.0:7047',
          exitCode: 0,
          output: fixture('netsh-2019-de.txt').split('\n\n    Hostname')[0],
        },
        {
          endpoint: 'hostnameport=www.example.com:443',
          exitCode: 1,
          output: fixture('netsh-notfound-en.txt'),
        },
      ],
    });
    const c = parseCapture(out, { host: 'bc-01', kind: 'netsh-http' });
    expect(c.type).toBe('netsh-http');
    if (c.type !== 'netsh-http') return;
    expect(c.endpoints[0]!.binding?.fields.certificateHash).toBe(
      '9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b',
    );
    expect(c.endpoints[0]!.restoreArgs).toContain('appid={00112233-4455-6677-8899-aabbccddeeff}');
    expect(c.endpoints[0]!.restoreArgs).toContain('clientcertnegotiation=enable');
    expect(c.endpoints[1]).toEqual({
      endpoint: 'hostnameport=www.example.com:443',
      binding: null,
      restoreArgs: null,
    });
  });

  it('treats a netsh failure that is not "not found" as an error, not as "no binding"', () => {
    const out = JSON.stringify({
      type: 'netsh-http',
      endpoints: [{ endpoint: 'ipport=0.0.0.0:443', exitCode: 1, output: 'Access is denied.' }],
    });
    expect(() => parseCapture(out, { host: 'bc-01', kind: 'netsh-http' })).toThrow(
      expect.objectContaining({
        code: 'PLAYBOOK_OUTPUT',
        message: expect.stringContaining('Access is denied'),
      }),
    );
  });

  it("takes every http.sys binding on an instance's SSL ports, whatever its address, and a port with none to create", () => {
    // 2016's listing with its [::] binding moved to OData's port: 7048 is bound on 0.0.0.0 and
    // on [::]; SOAP (7047) has no binding; developer services (7049) run without SSL.
    const listing = fixture('netsh-2016-en.txt').replace('[::]:443', '[::]:7048');
    const out = JSON.stringify({
      type: 'bc-service-tier',
      instance: 'BC',
      module: 'Microsoft.Dynamics.Nav.Management',
      thumbprint: 'AB'.repeat(20),
      state: 'Running',
      account: 'NT AUTHORITY\\NetworkService',
      ports: [
        { name: 'SOAPServices', port: 7047, ssl: true },
        { name: 'ODataServices', port: 7048, ssl: true },
        { name: 'DeveloperServices', port: 7049, ssl: false },
      ],
      netsh: { exitCode: 0, output: listing },
    });
    const c = parseCapture(out, { host: 'bc-01', kind: 'bc-service-tier' });
    expect(c).toMatchObject({ type: 'bc-service-tier', instance: 'BC', state: 'Running' });
    if (c.type !== 'bc-service-tier') throw new Error('not a service tier capture');
    expect(c.endpoints.map((e) => e.endpoint)).toEqual([
      'ipport=0.0.0.0:7047',
      'ipport=0.0.0.0:7048',
      'ipport=[::]:7048',
    ]);
    expect(c.endpoints[0]!.restoreArgs).toBeNull();
    // Each existing binding is restored with its own appid, never a placeholder.
    for (const e of c.endpoints.slice(1)) {
      expect(e.restoreArgs).toContain(`appid=${e.binding!.fields.appId}`);
    }
  });

  it('stops a service tier capture whose netsh listing failed', () => {
    const out = JSON.stringify({
      type: 'bc-service-tier',
      instance: 'BC',
      module: 'm',
      thumbprint: null,
      state: 'Running',
      account: null,
      ports: [],
      netsh: { exitCode: 1, output: fixture('netsh-notfound-de.txt') },
    });
    expect(() => parseCapture(out, { host: 'bc-01', kind: 'bc-service-tier' })).toThrow(
      /netsh http show sslcert exited 1/,
    );
  });
});
