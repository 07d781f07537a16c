// Fixed render contexts for the Windows playbooks: the golden scripts and the invariants use them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCapture, type CapturedState } from '../../../src/playbooks/capture.js';
import { type RenderContext } from '../../../src/playbooks/render.js';

const fixture = (name: string): string =>
  readFileSync(join(import.meta.dirname, '../../fixtures/windows', name), 'utf8');

export interface Variant {
  readonly thumbprint: string;
  readonly password: string;
  readonly pfx: Buffer;
  /** Values the user wrote: none of them may appear in a PowerShell script's text. */
  readonly params: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export const VARIANTS: readonly Variant[] = [
  {
    thumbprint: '6F2C0A9D3E5B7C1A8F4E2D6B9C0A1E3F5D7B9C2E',
    password: 'Pfx-Passw0rd-Do-Not-Leak',
    pfx: Buffer.from('3082fake-pfx-bytes-for-the-golden-tests-'.repeat(8)),
    params: {
      'netsh-http': {
        ipport: '0.0.0.0:7047',
        hostnameport: 'soap.contoso-internal.com:7047',
        appid: '{12345678-90ab-cdef-1234-567890abcdef}',
        grantAccount: 'CONTOSO\\svc-navsoap',
      },
      iis: { site: 'Contoso Intranet Portal', hostHeader: 'portal.contoso-internal.com' },
      'bc-service-tier': { instance: 'BC210Prod', grantAccount: 'CONTOSO\\svc-bc210' },
      'windows-service': { service: 'ContosoTlsGateway' },
    },
  },
  {
    thumbprint: 'A0B1C2D3E4F5A6B7C8D9E0F1A2B3C4D5E6F7A8B9',
    password: "it's $(a) `secret` ; password",
    pfx: Buffer.from('other-fake-pfx-bytes-with-different-content!'.repeat(8)),
    params: {
      'netsh-http': {
        ipport: '[::]:443',
        certStoreName: 'WebHosting',
        grantAccount: "O'Brien ‘quoted’",
      },
      iis: { site: "Bob's `$(site)` ‘x’", ipAddress: '10.0.0.5' },
      'bc-service-tier': {
        instance: 'NAV2018-Test',
        managementModule:
          'C:\\Program Files\\Microsoft Dynamics NAV\\110\\Service\\NavAdminTool.ps1',
        restartTimeoutSeconds: 60,
      },
      'windows-service': { service: 'Other Service$1', timeoutSeconds: 30 },
    },
  },
];

export function capturedFor(kind: string): CapturedState {
  const netsh = {
    endpoint: 'ipport=0.0.0.0:7047',
    exitCode: 0,
    output: fixture('netsh-2012r2-en.txt').replace('0.0.0.0:443', '0.0.0.0:7047'),
  };
  const raw: Record<string, unknown> = {
    'netsh-http': { type: 'netsh-http', endpoints: [netsh] },
    iis: {
      type: 'iis',
      site: 'x',
      bindingInformation: '*:7047:',
      sslFlags: 0,
      endpoint: netsh,
      sites: [{ site: 'x', bindingInformation: '*:7047:', sslFlags: 0 }],
    },
    'bc-service-tier': {
      type: 'bc-service-tier',
      instance: 'x',
      module: 'Microsoft.Dynamics.Nav.Management',
      thumbprint: '1111111111111111111111111111111111111111',
      state: 'Running',
      account: 'NT AUTHORITY\\NetworkService',
      ports: [{ name: 'SOAPServices', port: 7047, ssl: true }],
      netsh: { exitCode: 0, output: netsh.output },
    },
    'windows-service': { type: 'windows-service', name: 'x', status: 'Running' },
  };
  return parseCapture(JSON.stringify(raw[kind]), { host: 'win-01', kind });
}

export function windowsContext(kind: string, v: Variant, withCapture: boolean): RenderContext {
  return {
    runId: '20260101T000000Z-abc123',
    host: { name: 'win-01', address: '10.0.4.7' },
    binding: {
      id: 'win-01:7047',
      port: 7047,
      kind,
      params: v.params[kind] ?? {},
      origin: { file: 'inventory.yaml', line: 12 },
    },
    cert: { sha256: 'b'.repeat(64), thumbprint: v.thumbprint },
    material: { kind: 'pfx', pfx: v.pfx, password: v.password },
    ...(withCapture ? { captured: capturedFor(kind) } : {}),
  };
}
