import { describe, expect, it } from 'vitest';
import { addConfigured } from '../../../src/discover/scan-configured.js';
import { type ClassifiedEndpoint, type ScanReport } from '../../../src/probe/scan-types.js';
import { type HostDiscovery } from '../../../src/discover/types.js';

const endpoint = (host: string, role: 'direct' | 'vip' = 'direct'): ClassifiedEndpoint => ({
  endpoint: {
    env: 'prod',
    host,
    binding: `${host}:443`,
    role,
    member: null,
    address: '10.0.0.5',
    port: 443,
    sni: 'www.example.com',
    samples: 1,
  },
  results: [],
  status: 'OK',
  reasons: [],
});
const report: ScanReport = {
  startedAt: '2026-11-22T00:00:00.000Z',
  durationMs: 1,
  policy: { warnDays: 30, critDays: 7 },
  endpoints: [endpoint('web-1'), endpoint('web-2'), endpoint('web-1', 'vip')],
  pools: [],
  overall: 'OK',
  counts: { OK: 3, WARNING: 0, CRITICAL: 0, UNKNOWN: 0 },
  probes: 3,
};
const discovered: HostDiscovery[] = [
  {
    env: 'prod',
    host: 'web-1',
    address: '10.0.0.5',
    notes: [],
    endpoints: [
      {
        address: '10.0.0.5',
        port: 443,
        served: [],
        configured: [],
        coverage: { kind: 'binding', binding: 'web-1:443' },
        old: false,
        findings: [
          {
            severity: 'CRITICAL',
            message: 'configured certificate expired 2 day(s) ago (2026-11-20): /etc/ssl/site.crt',
          },
        ],
      },
    ],
  },
  {
    env: 'prod',
    host: 'web-2',
    address: '10.0.0.6',
    notes: [],
    endpoints: [],
    error: '[TRANSPORT_UNREACHABLE] no route',
  },
];

describe('scan --configured', () => {
  it('adds configured findings to direct endpoints, raises their status and the overall one', () => {
    const r = addConfigured(report, discovered);
    expect(r.endpoints[0]).toMatchObject({
      status: 'CRITICAL',
      reasons: [
        'configured: configured certificate expired 2 day(s) ago (2026-11-20): /etc/ssl/site.crt',
      ],
    });
    expect(r.endpoints[2]).toMatchObject({ status: 'OK', reasons: [] });
    expect(r.overall).toBe('CRITICAL');
    expect(r.counts).toEqual({ OK: 2, WARNING: 0, CRITICAL: 1, UNKNOWN: 0 });
  });

  it('says when a host could not be reached, without changing its status', () => {
    const r = addConfigured(report, discovered);
    expect(r.endpoints[1]).toMatchObject({
      status: 'OK',
      reasons: ['configured: not checked ([TRANSPORT_UNREACHABLE] no route)'],
    });
  });
});
