import { describe, expect, it } from 'vitest';
import { analyseHost, type HostFacts } from '../../../src/discover/coverage.js';
import { coverageGaps, sharedFileError, sharedFileExclusions } from '../../../src/discover/gate.js';
import { type Pool } from '../../../src/inventory/model.js';
import { binding, cert, host } from './helpers.js';

const NOW = Date.parse('2026-11-22T00:00:00Z');
const OLD = new Set([cert('a').sha256]);

const pool: Pool = {
  name: 'shop',
  members: [{ host: 'web-1', binding: 'web-1:443', address: '10.0.0.5', port: 443 }],
  vips: [{ address: '10.0.0.100', port: 4443 }],
  sni: ['www.example.com'],
  vipSamples: 1,
  onMemberFailure: 'stay-mixed',
  origin: {},
};

// web-1 serves 443 (bound), the pool's VIP 10.0.0.100:4443 (keepalived moved it here) and 9443
// (excluded), which loads the same certificate file as the 443 binding.
const facts: HostFacts = {
  listeners: [
    { address: '0.0.0.0', port: 443 },
    { address: '10.0.0.100', port: 4443 },
    { address: '0.0.0.0', port: 9443 },
  ],
  configured: [
    {
      source: 'nginx',
      address: null,
      port: 9443,
      names: [],
      certFile: '/etc/ssl/site.crt',
      cert: cert('a'),
    },
  ],
  served: [
    { address: '10.0.0.5', port: 443, served: [{ sni: null, cert: cert('a') }] },
    { address: '10.0.0.100', port: 4443, served: [{ sni: null, cert: cert('a') }] },
    { address: '10.0.0.5', port: 9443, served: [{ sni: null, cert: cert('a') }] },
  ],
  notes: [],
};

const web1 = host([binding(443)], [{ port: 9443, reason: 'vendor agent' }]);
const analyse = (pools?: Pool[]) =>
  analyseHost(web1, facts, { old: OLD, now: NOW, critDays: 7 }, pools);

describe('coverage with pools', () => {
  it("knows a pool's VIP as the pool's endpoint, never as unlisted", () => {
    const vip = analyse([pool]).find((e) => e.address === '10.0.0.100');
    expect(vip?.coverage).toEqual({ kind: 'binding', binding: 'pool shop (VIP)' });
    const hosts = [
      { env: 'prod', host: 'web-1', address: '10.0.0.5', endpoints: analyse([pool]), notes: [] },
    ];
    expect(coverageGaps(hosts)).toEqual([]);
    // Without the pool it is a gap, as before.
    const without = [{ ...hosts[0]!, endpoints: analyse() }];
    expect(coverageGaps(without).map((g) => g.endpoint.address)).toEqual(['10.0.0.100']);
  });

  it('stops the plan for an excluded endpoint that loads a binding’s certificate file', () => {
    const endpoints = analyse([pool]);
    expect(endpoints.find((e) => e.port === 9443)?.sharesFileWith).toBe('web-1:443');
    const shared = sharedFileExclusions([
      { env: 'prod', host: 'web-1', address: '10.0.0.5', endpoints, notes: [] },
    ]);
    const error = sharedFileError(shared, 'No host was modified.');
    expect(error.code).toBe('COVERAGE_GAP');
    expect(error.message).toContain('would change them too. No host was modified.');
    expect(error.details?.[0]?.message).toContain(
      'is excluded, but it loads /etc/ssl/site.crt, the file binding web-1:443 writes',
    );
  });
});
