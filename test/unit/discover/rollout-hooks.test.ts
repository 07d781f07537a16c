import { afterAll, describe, expect, it } from 'vitest';
import { assertCoverage, sweepOld } from '../../../src/discover/rollout-hooks.js';
import { type Host, type Inventory } from '../../../src/inventory/model.js';
import { type ProbeTarget } from '../../../src/probe/types.js';
import { DEFAULT_POLICY } from '../../lab/index.js';
import { TestPki } from '../../lab/pki.js';
import { fakeProbe, fakeTransport } from './fakes.js';
import { binding, host, sha } from './helpers.js';

// The gate and the sweep as the rollout calls them, over a fake host whose 443 (bound) and 7147
// (not listed) serve the certificate being replaced.
const pki = TestPki.create();
afterAll(() => pki.cleanup());
const leaf = pki.issue({ cn: 'www.example.com', sans: ['www.example.com'], days: 30 }, pki.root());
const inventory = (h: Host): Inventory => ({
  source: 'inv.yaml',
  digest: 'd',
  playbookDirs: [],
  environments: [
    {
      name: 'prod',
      policy: DEFAULT_POLICY,
      hosts: [h],
      origin: {},
    },
  ],
});
const fakes = {
  transportFor: () => fakeTransport(leaf),
  probe: fakeProbe(leaf, [], [443, 7147]),
  settleDelaysMs: [1, 1, 1],
};
const NOTHING = 'No host was modified.';

describe('the plan gate', () => {
  it('fails with COVERAGE_GAP naming the uncovered port on the certificate being replaced', async () => {
    await expect(
      assertCoverage(inventory(host([binding(443)])), [leaf.sha256], NOTHING, fakes),
    ).rejects.toMatchObject({
      code: 'COVERAGE_GAP',
      message: expect.stringMatching(
        /1 endpoint\(s\) .*: web-1 10\.0\.0\.5:7147\. No host was modified\.$/,
      ),
    });
  });

  it('passes when the port is excluded with a reason, or when it serves another certificate', async () => {
    const excluded = host([binding(443)], [{ port: 7147, reason: 'vendor' }]);
    // What it read comes back, by host, for the sweep.
    const { facts: known } = await assertCoverage(
      inventory(excluded),
      [leaf.sha256],
      NOTHING,
      fakes,
    );
    expect(known.get('web-1')?.configured.map((c) => c.port)).toEqual([443]);
    await expect(
      assertCoverage(inventory(host([binding(443)])), [sha('f')], NOTHING, fakes),
    ).resolves.toMatchObject({ facts: expect.any(Map) });
  });

  it('asks a bound port its names alone, and also without SNI when an --old prefix must be resolved', async () => {
    const excluded = host([binding(443)], [{ port: 7147, reason: 'vendor' }]);
    const asked = async (old: string) => {
      const seen: ProbeTarget[] = [];
      await assertCoverage(inventory(excluded), [old], NOTHING, {
        ...fakes,
        probe: fakeProbe(leaf, seen, [443, 7147]),
      });
      return seen.filter((t) => t.port === 443).map((t) => t.sni ?? '-');
    };
    expect(await asked(leaf.sha256)).toEqual(['www.example.com']);
    // A prefix may name what a client without SNI gets: that answer is asked for.
    expect((await asked(leaf.sha256.slice(0, 8))).sort()).toEqual(['-', 'www.example.com']);
  });

  it('resolves an --old prefix to the certificate the hosts serve, and refuses one nothing serves', async () => {
    const excluded = host([binding(443)], [{ port: 7147, reason: 'vendor' }]);
    const { old } = await assertCoverage(
      inventory(excluded),
      [leaf.sha256.slice(0, 8)],
      NOTHING,
      fakes,
    );
    expect([...old]).toEqual([leaf.sha256]);
    const other = leaf.sha256.startsWith('0') ? '11111111' : '00000000';
    await expect(
      assertCoverage(inventory(excluded), [other], NOTHING, fakes),
    ).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining(
        `matches no certificate seen on the hosts (seen: ${leaf.sha256.slice(0, 16)})`,
      ),
    });
  });

  it('does not connect when nothing is being replaced, and fails when a host cannot be read', async () => {
    const never = {
      ...fakes,
      transportFor: () => {
        throw new Error('must not connect');
      },
    };
    await expect(
      assertCoverage(inventory(host([binding(443)])), [undefined], NOTHING, never),
    ).resolves.toEqual({ facts: new Map(), old: new Set() });
    const down = {
      ...fakes,
      transportFor: () => ({
        ...fakeTransport(leaf),
        connect: () => Promise.reject(new Error('ECONNREFUSED')),
      }),
    };
    await expect(
      assertCoverage(inventory(host([binding(443)])), [leaf.sha256], NOTHING, down),
    ).rejects.toMatchObject({
      code: 'COVERAGE_GAP',
      message: 'Coverage could not be checked on 1 host(s). No host was modified.',
    });
  });
});

describe('the sweep', () => {
  it('lists every port still serving the old certificate, bound or not', async () => {
    const r = await sweepOld(inventory(host([binding(443)])), [leaf.sha256], fakes);
    expect(r.clean).toBe(false);
    expect(r.text).toContain('sweep: 2 endpoint(s) still serve the old certificate');
    expect(r.text).toContain(
      'prod/web-1 10.0.0.5:7147 (no SNI, SNI www.example.com): still serves',
    );
  });

  it('looks past bindings the rollout itself rolled back, and says so', async () => {
    const r = await sweepOld(inventory(host([binding(443)])), [leaf.sha256], {
      ...fakes,
      rolledBack: new Set(['web-1 web-1:443']),
    });
    expect(r.clean).toBe(false);
    expect(r.text).toContain(
      'sweep: 1 endpoint(s) still serve the old certificate besides the 1 binding(s) rolled back above',
    );
    expect(r.text).not.toContain(':443');
  });

  it('lets go of a port that served the old certificate only while its old workers drained', async () => {
    // The discovery's handshakes and the first re-probe see the old leaf, then only the new one.
    let calls = 0;
    const probe = fakeProbe(leaf, [], [443, 7147]);
    const draining = (t: ProbeTarget) =>
      t.port === 7147 && ++calls > 3 ? probe({ ...t, port: 1 }) : probe(t);
    const r = await sweepOld(inventory(host([binding(443)])), [leaf.sha256], {
      ...fakes,
      probe: draining,
      settleDelaysMs: [1, 1, 1, 1, 1],
    });
    expect(r.text).toContain('sweep: 1 endpoint(s) still serve the old certificate');
    expect(r.text).toContain(':443');
    expect(r.text).not.toContain(':7147');
  });

  it('keeps a port that serves the old certificate now and then (one old member behind a balancer)', async () => {
    let n = 0;
    const probe = fakeProbe(leaf, [], [443, 7147]);
    const flapping = (t: ProbeTarget) =>
      t.port === 7147 && ++n % 2 === 0 ? probe({ ...t, port: 1 }) : probe(t);
    const r = await sweepOld(
      inventory(host([binding(443)], [{ port: 443, reason: 'x' }])),
      [leaf.sha256],
      { ...fakes, probe: flapping, settleDelaysMs: Array<number>(8).fill(1) },
    );
    expect(r.clean).toBe(false);
    expect(r.text).toContain(':7147');
  });

  it('is clean when no port serves it', async () => {
    expect(await sweepOld(inventory(host([binding(443)])), [sha('f')], fakes)).toEqual({
      clean: true,
      text: 'sweep: no endpoint serves the old certificate\n',
    });
  });
});
