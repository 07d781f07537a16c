import { afterAll, describe, expect, it } from 'vitest';
import { collectHost } from '../../../src/discover/collect.js';
import { MARK } from '../../../src/discover/sh-scripts.js';
import { type ProbeTarget } from '../../../src/probe/types.js';
import { fakeProbe, fakeTransport, type FakeOutput } from './fakes.js';
import { TestPki } from '../../lab/pki.js';
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
    // The listener on another loopback address is not this host's: not kept, not probed.
    expect(facts.listeners.map((l) => l.port).sort()).toEqual([22, 443, 7147]);
    expect(scripts[1]).toContain(`'/usr/sbin/nginx' '-c' '/etc/nginx/nginx.conf' '-T'`);
    expect(scripts[2]).toContain(`'/etc/ssl/www.crt' 2>&1`);
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

  it('for the sweep, lists listeners again and takes names from the configuration read before', async () => {
    const first: string[] = [];
    const before = await collectHost(host([binding(443)]), {
      transportFor: () => fakeTransport(leaf, first),
      probe: fakeProbe(leaf),
    });
    if ('error' in before) throw new Error(before.error);
    const scripts: string[] = [];
    const seen: ProbeTarget[] = [];
    const after = await collectHost(host([binding(443)]), {
      transportFor: () => fakeTransport(leaf, scripts),
      probe: fakeProbe(leaf, seen),
      known: new Map([['web-1', before]]),
    });
    if ('error' in after) throw new Error(after.error);
    // One command: the listeners. Neither nginx -T nor the certificate files are read again.
    expect(scripts).toHaveLength(1);
    expect(scripts[0]).toContain('ss -Htln\n');
    expect(scripts[0]).not.toContain('ps -eo');
    expect(after.configured).toEqual(before.configured.map(({ cert: _, ...c }) => c));
    expect(after.configured[0]).not.toHaveProperty('cert');
    expect(after.listeners.map((l) => l.port).sort()).toEqual([22, 443, 7147]);
    expect(seen.map((t) => `${t.port} ${t.sni ?? '-'}`).sort()).toEqual([
      '22 -',
      '443 -',
      '443 www.example.com',
      '7147 -',
    ]);
  });

  it('reads the nginx and the certificate files the bindings name with the listeners: one command, the same facts', async () => {
    const named = {
      nginxBinary: '/usr/sbin/nginx',
      nginxArgs: ['-c', '/etc/nginx/nginx.conf'],
      certPath: '/etc/ssl/www.crt',
    };
    const collect = async (params: Record<string, unknown>) => {
      const scripts: string[] = [];
      const facts = await collectHost(host([binding(443, { params })]), {
        transportFor: () => fakeTransport(leaf, scripts),
        probe: fakeProbe(leaf),
      });
      if ('error' in facts) throw new Error(facts.error);
      return { scripts, facts };
    };
    const folded = await collect(named);
    expect(folded.scripts).toHaveLength(1);
    expect(folded.scripts[0]).toContain(`'/usr/sbin/nginx' '-c' '/etc/nginx/nginx.conf' '-T'`);
    expect(folded.scripts[0]).toContain(`'/etc/ssl/www.crt' 2>&1`);
    // Bindings that name another nginx and another file: the running one and the configured
    // file are read by later passes, and discovery finds the same.
    const apart = await collect({ certPath: '/etc/ssl/other.crt' });
    expect(apart.scripts).toHaveLength(3);
    expect(folded.facts).toEqual(apart.facts);
    expect(folded.facts.configured[0]?.cert?.sha256).toBe(leaf.sha256);
  });

  it('leaves out a listener an SSH server holds, unless a binding names its port', async () => {
    const sshd = 'LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=50,fd=3))';
    const listen = [
      `${MARK}ss`,
      'LISTEN 0 511 0.0.0.0:443 0.0.0.0:* users:(("nginx",pid=1,fd=6))',
      sshd,
    ].join('\n');
    const ports = async (bindings: ReturnType<typeof binding>[]) => {
      const seen: ProbeTarget[] = [];
      const facts = await collectHost(host(bindings), {
        transportFor: () => fakeTransport(leaf, [], { listen }),
        probe: fakeProbe(leaf, seen),
      });
      if ('error' in facts) throw new Error(facts.error);
      // Still listed as a listener: only the handshake that could not answer is left out.
      expect(facts.listeners.map((l) => l.port).sort()).toEqual([22, 443]);
      return seen.map((t) => `${t.port} ${t.sni ?? '-'}`).sort();
    };
    expect(await ports([binding(443)])).toEqual(['443 -', '443 www.example.com']);
    expect(await ports([binding(443), binding(22)])).toContain('22 -');
  });

  it('in the sweep, knows the SSH server from the listing before, which named it', async () => {
    const listen = [
      `${MARK}ss`,
      'LISTEN 0 511 0.0.0.0:443 0.0.0.0:* users:(("nginx",pid=1,fd=6))',
      'LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=50,fd=3))',
    ].join('\n');
    const before = await collectHost(host([binding(443)]), {
      transportFor: () => fakeTransport(leaf, [], { listen }),
      probe: fakeProbe(leaf),
    });
    if ('error' in before) throw new Error(before.error);
    const seen: ProbeTarget[] = [];
    // The relisting (`ss -Htln`, the fake's default) names no holders.
    await collectHost(host([binding(443)]), {
      transportFor: () => fakeTransport(leaf),
      probe: fakeProbe(leaf, seen),
      known: new Map([['web-1', before]]),
    });
    expect(seen.map((t) => `${t.port} ${t.sni ?? '-'}`).sort()).toEqual([
      '443 -',
      '443 www.example.com',
      '7147 -',
    ]);
  });

  it('for the gate, asks a port a binding proves with names those names alone', async () => {
    const seen: ProbeTarget[] = [];
    const facts = await collectHost(host([binding(443)]), {
      transportFor: () => fakeTransport(leaf),
      probe: fakeProbe(leaf, seen),
      boundNamesOnly: true,
    });
    if ('error' in facts) throw new Error(facts.error);
    // 443 without SNI is not asked; ports no binding proves are asked as always.
    expect(seen.map((t) => `${t.port} ${t.sni ?? '-'}`).sort()).toEqual([
      '22 -',
      '443 www.example.com',
      '7147 -',
    ]);
    expect(facts.served.find((s) => s.port === 443)?.served.map((s) => s.sni)).toEqual([
      'www.example.com',
    ]);
    // A binding that sends no name is proven by the no-SNI answer itself: asked as always.
    const bare = binding(443, { probe: { address: '10.0.0.5', port: 443, sni: [] } });
    const seenBare: ProbeTarget[] = [];
    await collectHost(host([bare]), {
      transportFor: () => fakeTransport(leaf),
      probe: fakeProbe(leaf, seenBare),
      boundNamesOnly: true,
    });
    expect(seenBare.map((t) => `${t.port} ${t.sni ?? '-'}`)).toContain('443 -');
  });

  it('never opens the second connection that reads the first bytes of a peer that is not TLS', async () => {
    const asked: (boolean | undefined)[] = [];
    const probe = fakeProbe(leaf);
    await collectHost(host([binding(443)]), {
      transportFor: () => fakeTransport(leaf),
      probe: (t, options) => {
        asked.push(options?.sniffNotTls);
        return probe(t);
      },
    });
    // Discovery keeps TLS answers only: a peer's own words would be read for nothing.
    expect(asked.length).toBeGreaterThan(0);
    expect(new Set(asked)).toEqual(new Set([false]));
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

// One machine, three nginx instances: a (its worker holds 10.0.0.5:443, this host's address),
// b and c (only on other loopback addresses: another host's, as in the benchmark lab).
const threeNginx = (uid: string, extra: string[] = []) =>
  [
    `${MARK}ss`,
    'LISTEN 0 511 10.0.0.5:443 0.0.0.0:* users:(("nginx",pid=201,fd=6))',
    'LISTEN 0 511 127.0.0.2:443 0.0.0.0:* users:(("nginx",pid=301,fd=6),("nginx",pid=300,fd=6))',
    'LISTEN 0 511 127.0.0.3:443 0.0.0.0:* users:(("nginx",pid=401,fd=6))',
    'LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=50,fd=3))',
    ...extra,
    `${MARK}ps`,
    '    1     0 /sbin/init',
    '   50     1 sshd: /usr/sbin/sshd -D',
    '  200     1 nginx: master process /usr/sbin/nginx -c /srv/a/nginx.conf',
    '  201   200 nginx: worker process',
    '  300     1 nginx: master process /usr/sbin/nginx -c /srv/b/nginx.conf',
    '  301   300 nginx: worker process',
    '  400     1 nginx: master process /usr/sbin/nginx -c /srv/c/nginx.conf',
    '  401   400 nginx: worker process',
    `${MARK}uid`,
    uid,
  ].join('\n');

async function collectWith(out: FakeOutput) {
  const scripts: string[] = [];
  const facts = await collectHost(host([]), {
    transportFor: () => fakeTransport(leaf, scripts, out),
    probe: fakeProbe(leaf),
  });
  if ('error' in facts) throw new Error(facts.error);
  return { scripts, facts };
}

describe('running instances on a shared machine', () => {
  const skipped = "skipped 2 running nginx instance(s) with no listener on this host's addresses";

  it('reads only the nginx whose worker listens on this host, and says how many it skipped', async () => {
    const { scripts, facts } = await collectWith({ listen: threeNginx('1000') });
    expect(scripts[1]).toContain(`'/usr/sbin/nginx' '-c' '/srv/a/nginx.conf' '-T'`);
    expect(scripts[1]).not.toContain('/srv/b/');
    expect(scripts[1]).not.toContain('/srv/c/');
    expect(facts.notes).toContain(skipped);
  });

  it('reads them all when not root and a listener of this host has no known owner', async () => {
    const unowned = 'LISTEN 0 128 0.0.0.0:8080 0.0.0.0:*';
    const { scripts, facts } = await collectWith({ listen: threeNginx('1000', [unowned]) });
    for (const c of ['a', 'b', 'c']) expect(scripts[1]).toContain(`/srv/${c}/nginx.conf`);
    expect(facts.notes.join('\n')).not.toContain('skipped');
  });

  it('as root, still skips them past a listener no process owns (a kernel socket)', async () => {
    const unowned = 'LISTEN 0 128 0.0.0.0:2049 0.0.0.0:*';
    const { scripts, facts } = await collectWith({ listen: threeNginx('0', [unowned]) });
    expect(scripts[1]).toContain('/srv/a/nginx.conf');
    expect(scripts[1]).not.toContain('/srv/b/');
    expect(facts.notes).toContain(skipped);
  });

  it('reads every running instance, as before, when ss printed no pids', async () => {
    const listen = threeNginx('0').replace(/ users:\(.*\)$/gm, '');
    const { scripts, facts } = await collectWith({ listen });
    for (const c of ['a', 'b', 'c']) expect(scripts[1]).toContain(`/srv/${c}/nginx.conf`);
    expect(facts.notes).toEqual([]);
  });

  it('always reads the nginx the bindings name, and never falls back to the default one', async () => {
    const scripts: string[] = [];
    const listen = threeNginx('0').replace('pid=201', 'pid=999');
    const params = { nginxBinary: '/opt/nginx', nginxArgs: ['-c', '/srv/b/nginx.conf'] };
    const facts = await collectHost(host([binding(443, { params })]), {
      transportFor: () => fakeTransport(leaf, scripts, { listen }),
      probe: fakeProbe(leaf),
    });
    if ('error' in facts) throw new Error(facts.error);
    // Named by the bindings, so read in the first command, with the listeners.
    expect(scripts[0]).toContain(`'/opt/nginx' '-c' '/srv/b/nginx.conf' '-T'`);
    expect(scripts.join('\n')).not.toContain(`'nginx' '-T'`);
    expect(scripts.join('\n')).not.toContain(`'/usr/sbin/nginx'`);
    expect(facts.notes).toContain(
      "skipped 3 running nginx instance(s) with no listener on this host's addresses",
    );
  });

  it('fetches certificates only of endpoints on addresses this host serves', async () => {
    const config = [
      `${MARK}nginx:0`,
      '# configuration file /etc/nginx/nginx.conf:',
      'http {',
      '  server { listen 443 ssl; server_name www.example.com; ssl_certificate /etc/ssl/www.crt; }',
      '  server { listen 127.0.0.9:8443 ssl; ssl_certificate /etc/ssl/other.crt; }',
      '}',
    ].join('\n');
    const { scripts, facts } = await collectWith({ config });
    expect(scripts[2]).toContain(`'/etc/ssl/www.crt'`);
    expect(scripts[2]).not.toContain('other.crt');
    expect(facts.configured.find((c) => c.port === 8443)).toMatchObject({
      address: '127.0.0.9',
      certFile: '/etc/ssl/other.crt',
    });
    expect(facts.configured.find((c) => c.port === 8443)?.cert).toBeUndefined();
    expect(facts.configured.find((c) => c.port === 443)?.cert?.sha256).toBe(leaf.sha256);
  });
});
