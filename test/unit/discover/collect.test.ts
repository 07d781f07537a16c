import { afterAll, describe, expect, it } from 'vitest';
import { collectHost } from '../../../src/discover/collect.js';
import { type ProbeTarget } from '../../../src/probe/types.js';
import { fakeProbe, fakeTransport } from './fakes.js';
import { TestPki } from '../../helpers/pki.js';
import { binding, host } from './helpers.js';

// The orchestration with a fake transport and a fake probe: which scripts run, what is parsed,
// which ports are probed with which names. Real parsing, real PEM.
const pki = TestPki.create();
afterAll(() => pki.cleanup());
const leaf = pki.issue({ cn: 'www.example.com', sans: ['www.example.com'], days: 30 }, pki.root());

describe('collecting one host', () => {
  it('runs the passes, reads the running nginx, fetches the certificate and probes each port', async () => {
    const scripts: string[] = [];
    const seen: ProbeTarget[] = [];
    const facts = await collectHost(host([binding(443)]), {
      transportFor: () => fakeTransport(leaf, scripts),
      probe: fakeProbe(leaf, seen),
    });
    if ('error' in facts) throw new Error(facts.error);
    expect(scripts).toHaveLength(3);
    expect(scripts[1]).toContain(`'/usr/sbin/nginx' '-c' '/etc/nginx/nginx.conf' '-T'`);
    expect(scripts[2]).toContain(`openssl x509 -in '/etc/ssl/www.crt'`);
    expect(facts.configured).toMatchObject([
      {
        source: 'nginx',
        port: 443,
        certFile: '/etc/ssl/www.crt',
        keyFile: '/etc/ssl/www.key',
        cert: { sha256: leaf.sha256 },
      },
    ]);
    // SNI names only where TLS answered: 443 gets no SNI and www.example.com; 22 and 7147 one try.
    expect(seen.map((t) => `${t.port} ${t.sni ?? '-'}`).sort()).toEqual([
      '22 -',
      '443 -',
      '443 www.example.com',
      '7147 -',
    ]);
    expect(facts.served.find((s) => s.port === 443)?.served.map((s) => s.sni)).toEqual([
      null,
      'www.example.com',
    ]);
    expect(facts.served.find((s) => s.port === 7147)?.served).toEqual([]);
  });

  it('returns the reason when the host cannot be reached', async () => {
    const t = fakeTransport(leaf);
    const r = await collectHost(host([]), {
      transportFor: () => ({
        ...t,
        connect: () => Promise.reject(new Error('connect ECONNREFUSED')),
      }),
      probe: fakeProbe(leaf),
    });
    expect(r).toEqual({ error: expect.stringContaining('ECONNREFUSED') });
  });
});
