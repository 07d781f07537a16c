import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { bindingSnippet, exclusionSnippet } from '../../../src/discover/snippet.js';
import { bindingInput, exclusionInput } from '../../../src/inventory/schema.js';
import { type EndpointReport } from '../../../src/discover/types.js';
import { cert } from './helpers.js';

const base: EndpointReport = {
  address: '10.0.0.5',
  port: 7147,
  served: [{ sni: 'bc.example.com', cert: cert('a') }],
  configured: [],
  coverage: { kind: 'uncovered' },
  old: true,
  findings: [],
};

describe('inventory snippets', () => {
  it('renders a binding the inventory schema accepts, with the kind and file discovered', () => {
    const e = {
      ...base,
      configured: [
        {
          source: 'nginx' as const,
          address: null,
          port: 7147,
          names: ['soap.example.com'],
          certFile: '/etc/ssl/bc "soap".crt',
        },
      ],
    };
    const text = bindingSnippet(e, '10.0.0.5');
    expect(text).toBe(
      [
        '- port: 7147',
        '  kind: nginx',
        '  params: { certPath: "/etc/ssl/bc \\"soap\\".crt", keyPath: "FILL-IN: ssl_certificate_key" }',
        '  probe: { sni: ["soap.example.com", "bc.example.com"] }',
      ].join('\n'),
    );
    const doc = parse(text) as unknown[];
    expect(bindingInput.safeParse(doc[0]).success).toBe(true);
    expect((doc[0] as { params: { certPath: string } }).params.certPath).toBe(
      '/etc/ssl/bc "soap".crt',
    );
  });

  it('takes the key file (nginx) and the configuration file (haproxy) from discovery', () => {
    const ng = {
      ...base,
      configured: [
        {
          source: 'nginx' as const,
          address: null,
          port: 7147,
          names: [],
          certFile: '/c.crt',
          keyFile: '/k.key',
        },
      ],
    };
    expect(bindingSnippet(ng, '10.0.0.5')).toContain(
      'params: { certPath: "/c.crt", keyPath: "/k.key" }',
    );
    const hx = {
      ...base,
      configured: [
        {
          source: 'haproxy' as const,
          address: null,
          port: 7147,
          names: [],
          certFile: '/h.pem',
          configFile: '/etc/haproxy/haproxy.cfg',
        },
      ],
    };
    const doc = parse(bindingSnippet(hx, '10.0.0.5')) as Record<string, unknown>[];
    expect(doc[0]?.['kind']).toBe('haproxy');
    expect(doc[0]?.['params']).toEqual({
      crtPath: '/h.pem',
      configPath: '/etc/haproxy/haproxy.cfg',
    });
  });

  it('uses the Windows kinds and sni: none when no name is known', () => {
    const e = {
      ...base,
      served: [{ sni: null, cert: cert('a') }],
      configured: [{ source: 'netsh' as const, address: null, port: 7147, names: [] }],
    };
    const doc = parse(bindingSnippet(e, '10.0.0.5')) as Record<string, unknown>[];
    expect(doc[0]).toEqual({
      port: 7147,
      kind: 'netsh-http',
      params: { ipport: '0.0.0.0:7147' },
      probe: { sni: 'none' },
    });
    expect(bindingInput.safeParse(doc[0]).success).toBe(true);
  });

  it('names another address in the probe and the exclusion', () => {
    const e = { ...base, address: '10.0.0.6' };
    expect(bindingSnippet(e, '10.0.0.5')).toContain(
      'probe: { address: "10.0.0.6", sni: ["bc.example.com"] }',
    );
    const x = (parse(exclusionSnippet(e, '10.0.0.5')) as unknown[])[0];
    expect(x).toEqual({
      port: 7147,
      address: '10.0.0.6',
      reason: 'FILL-IN: why this endpoint keeps its certificate',
    });
    expect(exclusionInput.safeParse(x).success).toBe(true);
  });
});
