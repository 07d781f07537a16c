import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { endpointInventory } from '../../../src/cli/scan-command.js';
import { parseInventory } from '../../../src/inventory/index.js';
import { directEndpoint } from '../../../src/probe/scan-endpoint.js';
import { planScan } from '../../../src/probe/scan-plan.js';
import { type SingleEndpoint } from '../../../src/probe/scan-options.js';

// `scan --endpoint` skips the inventory parser for values it is known to accept: what it builds
// must be exactly what the parser and the scan plan make of the one-binding inventory, and
// anything the parser might judge otherwise must go the parser's way.
const viaInventory = (e: SingleEndpoint) => {
  try {
    return planScan(endpointInventory(e, parseInventory, '/'));
  } catch {
    return undefined;
  }
};

describe('scan --endpoint without the inventory parser', () => {
  it.each<SingleEndpoint>([
    { address: 'www.example.com', port: 443, sni: 'www.example.com' },
    { address: '192.0.2.10', port: 8443, sni: null },
    { address: '127.0.0.1', port: 7147, sni: 'bc.contoso.test' },
    { address: 'bc-01', port: 1, sni: null },
    { address: '10.0.0.255', port: 65535, sni: 'a-b.c' },
  ])('is the inventory way for %o', (e) => {
    const direct = directEndpoint(e);
    expect(direct).toBeDefined();
    expect([direct]).toEqual(viaInventory(e));
  });

  it.each<SingleEndpoint>([
    { address: '2001:db8::1', port: 443, sni: null },
    { address: 'www.exam\u200bple.com', port: 443, sni: null },
    { address: 'under_score.example', port: 443, sni: null },
    { address: '999.1.1.1', port: 443, sni: null },
    { address: '192.0.2.010', port: 443, sni: null },
    { address: 'www.example.com', port: 443, sni: '*.example.com' },
    { address: 'www.example.com', port: 443, sni: '192.0.2.1' },
  ])('leaves %o to the inventory parser', (e) => {
    expect(directEndpoint(e)).toBeUndefined();
  });

  it('never accepts what the parser refuses, and agrees with it on what it accepts', () => {
    const label = fc.stringMatching(/^[A-Za-z0-9_*-]{0,8}$/);
    const name = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.'));
    const ip = fc.ipV4().chain((a) => fc.constantFrom(a, a.replace(/\.(\d)$/, '.0$1')));
    fc.assert(
      fc.property(
        fc.oneof(name, ip),
        fc.integer({ min: 1, max: 65535 }),
        fc.option(fc.oneof(name, ip), { nil: null }),
        (address, port, sni) => {
          const e = { address, port, sni };
          const direct = directEndpoint(e);
          if (direct !== undefined) expect([direct]).toEqual(viaInventory(e));
        },
      ),
      { numRuns: 300 },
    );
  });
});
