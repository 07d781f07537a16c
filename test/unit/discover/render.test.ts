import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  discoverExitCode,
  renderJson,
  renderTable,
  renderYaml,
  summarise,
} from '../../../src/discover/render.js';
import { type HostDiscovery } from '../../../src/discover/types.js';
import { cert, sha } from './helpers.js';

const hosts: HostDiscovery[] = [
  {
    env: 'prod',
    host: 'bc-01',
    address: '10.0.0.7',
    notes: ['ss is not installed: listeners read from /proc/net/tcp'],
    endpoints: [
      {
        address: '10.0.0.7',
        port: 7046,
        served: [{ sni: null, cert: cert('a') }],
        configured: [],
        coverage: { kind: 'binding', binding: 'bc-01:7046' },
        old: true,
        findings: [],
      },
      {
        address: '10.0.0.7',
        port: 7147,
        served: [{ sni: null, cert: cert('a') }],
        configured: [
          {
            source: 'bc',
            address: null,
            port: 7147,
            names: [],
            thumbprint: cert('a').thumbprint!,
            instance: 'BC210',
          },
        ],
        coverage: { kind: 'uncovered' },
        old: true,
        findings: [
          { severity: 'WARNING', message: 'configured certificate differs from the one served' },
        ],
      },
      {
        address: '10.0.0.7',
        port: 9443,
        served: [{ sni: null, cert: cert('b') }],
        configured: [],
        coverage: { kind: 'uncovered' },
        old: false,
        findings: [],
      },
    ],
  },
  {
    env: 'prod',
    host: 'bc-02',
    address: '10.0.0.8',
    notes: [],
    endpoints: [],
    error: '[TRANSPORT_AUTH] denied',
  },
];
const old = new Set([sha('a')]);

describe('discover output', () => {
  it('summarises coverage and exits 1 for an uncovered endpoint on the old certificate', () => {
    const s = summarise(hosts);
    expect(s).toEqual({
      endpoints: 3,
      bound: 1,
      excluded: 0,
      uncovered: 2,
      uncoveredOld: 1,
      unreachable: 1,
      critical: 0,
    });
    expect(discoverExitCode(s)).toBe(1);
    expect(discoverExitCode({ ...s, uncoveredOld: 0, unreachable: 0 })).toBe(0);
  });

  it('exits 2 when a finding is CRITICAL (a configured certificate that is expired or expiring)', () => {
    const s = summarise(hosts);
    expect(discoverExitCode({ ...s, critical: 1 })).toBe(2);
    expect(discoverExitCode({ ...s, critical: 1, uncoveredOld: 0, unreachable: 0 })).toBe(2);
  });

  it('prints a table with the snippet under each uncovered endpoint, findings and notes', () => {
    const t = renderTable(hosts, old);
    expect(t).toMatch(
      /prod\s+bc-01\s+10\.0\.0\.7:7147\s+-\s+NOT IN INVENTORY \(old certificate\)\s+aaaaaaaaaaaaaaaa\s+bc AAAAAAAAAAAA…/,
    );
    expect(t).toMatch(/10\.0\.0\.7:9443\s+-\s+not in inventory\s/);
    expect(t).toContain('    WARNING: configured certificate differs from the one served');
    expect(t).toContain(
      '      - port: 7147\n        kind: bc-service-tier\n        params: { instance: "BC210" }\n        probe: { sni: none }',
    );
    expect(t).toContain('NOT DISCOVERED');
    expect(t).toContain('    [TRANSPORT_AUTH] denied');
    expect(t).toContain('note: ss is not installed');
    expect(t).toContain(
      '3 TLS endpoint(s) on 2 host(s): 1 bound, 0 excluded, 2 not in the inventory (1 on the old certificate); 1 host(s) not discovered',
    );
  });

  it('prints the same document as JSON and YAML', () => {
    const j = JSON.parse(renderJson(hosts, old)) as Record<string, unknown>;
    expect(j).toMatchObject({ version: 1, exitCode: 1, old: [sha('a')] });
    expect(parse(renderYaml(hosts, old))).toEqual(j);
  });
});
