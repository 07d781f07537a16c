import { describe, expect, it } from 'vitest';
import { analyseHost, servedByBindings, type HostFacts } from '../../../src/discover/coverage.js';
import {
  coverageGapError,
  coverageGaps,
  renderLeftovers,
  sweepLeftovers,
} from '../../../src/discover/gate.js';
import { binding, cert, host, sha } from './helpers.js';

const NOW = Date.parse('2026-11-22T00:00:00Z');
const DAY = 86_400_000;

// web-1 listens on 443 (bound), 7147 and 7148 (not listed), 9443 (excluded) and 8080 (not TLS).
const facts: HostFacts = {
  listeners: [
    { address: '0.0.0.0', port: 443, process: 'nginx' },
    { address: '0.0.0.0', port: 7147 },
    { address: '::', port: 7148 },
    { address: '10.0.0.5', port: 9443 },
    { address: '127.0.0.1', port: 8080 },
  ],
  configured: [
    {
      source: 'nginx',
      address: null,
      port: 443,
      names: ['www.example.com'],
      certFile: '/etc/ssl/site.crt',
      cert: cert('a'),
    },
    {
      source: 'nginx',
      address: null,
      port: 443,
      names: ['shop.example.com'],
      certFile: '/etc/ssl/shop.crt',
      cert: cert('a'),
    },
    {
      source: 'nginx',
      address: null,
      port: 7147,
      names: [],
      certFile: '/etc/ssl/bc.crt',
      cert: cert('a'),
    },
  ],
  served: [
    {
      address: '10.0.0.5',
      port: 443,
      served: [
        { sni: null, cert: cert('a') },
        { sni: 'www.example.com', cert: cert('a') },
      ],
    },
    { address: '10.0.0.5', port: 7147, served: [{ sni: null, cert: cert('a') }] },
    { address: '10.0.0.5', port: 7148, served: [{ sni: null, cert: cert('b') }] },
    { address: '10.0.0.5', port: 9443, served: [{ sni: null, cert: cert('a') }] },
    { address: '10.0.0.5', port: 22, served: [] },
  ],
  notes: [],
};
const web = host([binding(443)], [{ port: 9443, reason: 'vendor appliance' }]);
const opts = { old: new Set([sha('a')]), now: NOW, critDays: 7 };

describe('coverage', () => {
  const reports = analyseHost(web, facts, opts);
  const at = (port: number, sni?: string) => reports.find((r) => r.port === port && r.sni === sni);

  it('puts each TLS endpoint against the bindings and exclusions', () => {
    expect(
      reports.map((r) => `${r.port}${r.sni ? `/${r.sni}` : ''} ${r.coverage.kind} ${r.old}`),
    ).toEqual([
      '443 binding true',
      '443/shop.example.com uncovered true',
      '7147 uncovered true',
      '7148 uncovered false',
      '9443 excluded true',
    ]);
    expect(at(443)?.process).toBe('nginx');
    expect(at(9443)?.coverage).toEqual({ kind: 'excluded', reason: 'vendor appliance' });
  });

  it('ignores ports that do not speak TLS and listeners on loopback', () => {
    expect(reports.some((r) => r.port === 22 || r.port === 8080)).toBe(false);
  });

  it('an exclusion with an address covers that address only', () => {
    const other = host([binding(443)], [{ port: 7147, address: '10.9.9.9', reason: 'other nic' }]);
    expect(analyseHost(other, facts, opts).find((r) => r.port === 7147)?.coverage.kind).toBe(
      'uncovered',
    );
  });

  it('takes the old certificate from the configuration too (a service that is down)', () => {
    const down = { ...facts, served: [] };
    const r = analyseHost(web, down, opts).find((x) => x.port === 7147);
    expect(r).toMatchObject({ old: true, coverage: { kind: 'uncovered' }, served: [] });
  });

  it('by default, the old certificates are what the bindings serve', () => {
    expect([...servedByBindings(analyseHost(web, facts, { ...opts, old: new Set() }))]).toEqual([
      sha('a'),
    ]);
  });

  it('the gate names every uncovered endpoint on the old certificate, with the entry to add', () => {
    const hosts = [
      { env: 'prod', host: 'web-1', address: '10.0.0.5', endpoints: reports, notes: [] },
    ];
    const gaps = coverageGaps(hosts);
    expect(gaps.map((g) => `${g.endpoint.port}${g.endpoint.sni ?? ''}`)).toEqual([
      '443shop.example.com',
      '7147',
    ]);
    const e = coverageGapError(gaps, 'No host was modified.');
    expect(e.code).toBe('COVERAGE_GAP');
    expect(e.message).toContain('web-1 10.0.0.5:7147');
    expect(e.message).toContain('No host was modified.');
    expect(e.details?.[1]?.message).toContain('- port: 7147');
    expect(e.details?.[1]?.message).toContain('- { port: 7147, reason: "FILL-IN');
  });

  it('the sweep reports each endpoint still serving an old certificate, with what covers it', () => {
    const hosts = [
      { env: 'prod', host: 'web-1', address: '10.0.0.5', endpoints: reports, notes: [] },
    ];
    const left = sweepLeftovers(hosts, new Set([sha('a')]));
    expect(left.map((l) => l.endpoint.port)).toEqual([443, 7147, 9443]);
    const text = renderLeftovers(left, []);
    expect(text).toContain('sweep: 3 endpoint(s) still serve the old certificate');
    expect(text).toContain(
      'prod/web-1 10.0.0.5:443 (no SNI, SNI www.example.com): still serves aaaaaaaaaaaaaaaa (binding web-1:443)',
    );
    expect(text).toContain('(excluded: vendor appliance)');
    expect(text).toContain(
      '10.0.0.5:7147 (no SNI): still serves aaaaaaaaaaaaaaaa (not in the inventory)',
    );
    expect(renderLeftovers(sweepLeftovers(hosts, new Set([sha('f')])), [])).toBe(
      'sweep: no endpoint serves the old certificate\n',
    );
  });
});

describe('configured versus served', () => {
  const one = (configured: HostFacts['configured'], served: HostFacts['served']) =>
    analyseHost(
      host([binding(443)]),
      { listeners: [], configured, served, notes: [] },
      { ...opts, old: new Set() },
    )[0]!.findings;
  const file = {
    source: 'nginx' as const,
    address: null,
    port: 443,
    names: ['www.example.com'],
    certFile: '/etc/ssl/site.crt',
  };

  it('flags a configured certificate that differs from the one served', () => {
    const f = one(
      [{ ...file, cert: cert('b') }],
      [{ address: '10.0.0.5', port: 443, served: [{ sni: null, cert: cert('a') }] }],
    );
    expect(f).toEqual([
      {
        severity: 'WARNING',
        message: expect.stringMatching(
          /^configured certificate differs from the one served: nginx loads \/etc\/ssl\/site.crt \(bbbbbbbbbbbbbbbb\), the port serves aaaaaaaaaaaaaaaa/,
        ),
      },
    ]);
  });

  it('flags an expired configured certificate and one within crit-days as CRITICAL', () => {
    const served = [{ address: '10.0.0.5', port: 443, served: [{ sni: null, cert: cert('a') }] }];
    expect(one([{ ...file, cert: cert('a', NOW - 3 * DAY) }], served)[0]?.message).toMatch(
      /^configured certificate expired 3 day\(s\) ago \(2026-11-19\)/,
    );
    expect(one([{ ...file, cert: cert('a', NOW + 5.5 * DAY) }], served)[0]?.message).toMatch(
      /^configured certificate expires in 5 day\(s\)/,
    );
    expect(one([{ ...file, cert: cert('a', NOW + 30 * DAY) }], served)).toEqual([]);
  });

  it('compares a Windows thumbprint with the thumbprint served', () => {
    const netsh = {
      source: 'netsh' as const,
      address: null,
      port: 443,
      names: [],
      thumbprint: cert('b').thumbprint!,
    };
    const served = [{ address: '10.0.0.5', port: 443, served: [{ sni: null, cert: cert('a') }] }];
    expect(one([netsh], served)[0]?.message).toContain(
      `names thumbprint ${cert('b').thumbprint}, the port serves ${cert('a').thumbprint}`,
    );
    expect(one([{ ...netsh, thumbprint: cert('a').thumbprint! }], served)).toEqual([]);
  });
});
