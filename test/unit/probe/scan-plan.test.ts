import { describe, expect, it } from 'vitest';
import { planScan } from '../../../src/probe/scan-plan.js';
import { binding, host, inventoryOf } from '../../lab/index.js';

const inv = inventoryOf('prod', [
  host('web-01', '10.0.0.1', [
    binding('web-01', 443, { address: '10.0.0.1', port: 443, sni: ['a.test', 'b.test'] }),
  ]),
  host('web-02', '10.0.0.2', [
    binding('web-02', 8443, { address: '10.0.0.2', port: 8443, sni: [] }),
  ]),
  host('lb-01', '10.0.0.10', [
    binding('lb-01', 443, {
      address: '10.0.0.10',
      port: 443,
      sni: ['shop.test'],
      pool: {
        members: [
          { name: 'm1', address: '10.0.0.11', port: 443 },
          { name: 'm2', address: '10.0.0.12', port: 443 },
        ],
        vip: { address: '10.0.0.100', port: 443 },
        vipSamples: 5,
      },
    }),
  ]),
]);

describe('scan plan', () => {
  it('probes each SNI name, no SNI when none, every member and the VIP with its samples', () => {
    const plan = planScan(inv);
    expect(
      plan.map((e) => [e.host, e.role, e.member, `${e.address}:${e.port}`, e.sni, e.samples]),
    ).toEqual([
      ['web-01', 'direct', null, '10.0.0.1:443', 'a.test', 1],
      ['web-01', 'direct', null, '10.0.0.1:443', 'b.test', 1],
      ['web-02', 'direct', null, '10.0.0.2:8443', null, 1],
      ['lb-01', 'direct', null, '10.0.0.10:443', 'shop.test', 1],
      ['lb-01', 'member', 'm1', '10.0.0.11:443', 'shop.test', 1],
      ['lb-01', 'member', 'm2', '10.0.0.12:443', 'shop.test', 1],
      ['lb-01', 'vip', 'vip', '10.0.0.100:443', 'shop.test', 5],
    ]);
  });

  it('selects by environment and host, and names what it does not know', () => {
    expect(planScan(inv, { host: 'web-02' })).toHaveLength(1);
    expect(planScan(inv, { env: 'prod', host: 'lb-01' })).toHaveLength(4);
    expect(() => planScan(inv, { env: 'staging' })).toThrow(
      'no environment named staging in the inventory',
    );
    expect(() => planScan(inv, { host: 'web-09' })).toThrow(
      'no host named web-09 in the inventory',
    );
  });
});
