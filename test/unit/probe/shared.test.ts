// One handshake per question within a plan (src/probe/shared.ts).
import { describe, expect, it } from 'vitest';
import { sharedProbe } from '../../../src/probe/shared.js';
import { type ProbeResult, type ProbeTarget } from '../../../src/probe/types.js';

function counting(fail: (t: ProbeTarget) => boolean = () => false) {
  const asked: string[] = [];
  const base = async (t: ProbeTarget): Promise<ProbeResult> => {
    asked.push(`${t.address}:${t.port} ${t.sni ?? '-'}`);
    await new Promise((r) => setTimeout(r, 5));
    return (
      fail(t)
        ? {
            ok: false,
            target: t,
            failure: { kind: 'refused', code: 'ECONNREFUSED', phase: 'tcp', message: 'refused' },
          }
        : { ok: true, target: t, leaf: { sha256: 'a'.repeat(64) } }
    ) as ProbeResult;
  };
  return { asked, base };
}

const t = (port: number, sni: string | null = 'www.example.com'): ProbeTarget => ({
  address: '10.0.0.1',
  port,
  sni,
});

describe('sharedProbe', () => {
  it('answers the same question once, also when it is asked twice at once', async () => {
    const { asked, base } = counting();
    const probe = sharedProbe(base);
    const trust = ['-----BEGIN CERTIFICATE-----'];
    await Promise.all([probe(t(443), { trust }), probe(t(443), { trust })]);
    await probe(t(443), { trust, timeoutMs: 3000 });
    expect(asked).toEqual(['10.0.0.1:443 www.example.com']);
  });

  it('asks again for another port, another name, or another trust', async () => {
    const { asked, base } = counting();
    const probe = sharedProbe(base);
    await probe(t(443));
    await probe(t(8443));
    await probe(t(443, null));
    await probe(t(443), { trust: ['other'] });
    await probe(t(443), { trust: ['other'] }); // a new list: another trust as far as it knows
    expect(asked).toHaveLength(5);
  });

  it('keeps no failure: the next asking probes again', async () => {
    let down = true;
    const { asked, base } = counting(() => down);
    const probe = sharedProbe(base);
    expect((await probe(t(443))).ok).toBe(false);
    down = false;
    expect((await probe(t(443))).ok).toBe(true);
    expect((await probe(t(443))).ok).toBe(true);
    expect(asked).toHaveLength(2);
  });
});
