// certroll's netsh reading and writing against the simulated netsh.exe: for every fixture, parse
// it, build the restore arguments, run them through `netsh http add sslcert` of that build and
// language, `show` again and read the same fields back. The simulator also prints each fixture
// exactly, and refuses what the real netsh refuses (an argument its build lacks, a duplicate, a
// certificate it cannot use, a non-administrator).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCapture } from '../../../src/playbooks/capture.js';
import { netshAddArgs } from '../../../src/playbooks/parse/netsh-args.js';
import {
  netshFlag,
  parseNetshSslCert,
  type NetshBinding,
  type NetshField,
} from '../../../src/playbooks/parse/netsh.js';
import { SimRoot, type WinBuild, type WinLocale } from '../../lab/windows/httpsys.js';

const DIR = join(import.meta.dirname, '../../fixtures/windows');
const fixture = (name: string): string => readFileSync(join(DIR, name), 'utf8');
const SHOW = readdirSync(DIR).filter((f) =>
  /^netsh-(2012r2|2016|2019|2022)-(en|de|fr)(-[a-z-]+)?\.txt$/.test(f),
);
const meta = (name: string): { build: WinBuild; locale: WinLocale } => {
  const [, build, locale] = /^netsh-([^-]+)-([a-z]+)/.exec(name) ?? [];
  return { build: build as WinBuild, locale: locale as WinLocale };
};

// Any PEM will do for netsh: it checks that the certificate and its key are in the store.
const PEM = '-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMA==\n-----END PRIVATE KEY-----\n';

const roots: SimRoot[] = [];
afterEach(() => roots.splice(0).forEach((r) => r.cleanup()));
function simFor(
  bindings: readonly NetshBinding[],
  host: { build: WinBuild; locale: WinLocale },
): SimRoot {
  const root = SimRoot.create(host);
  roots.push(root);
  for (const b of bindings) {
    const hash = b.fields.certificateHash;
    if (hash) root.addCert(hash, PEM, KEY, b.fields.certStoreName ?? 'My');
  }
  return root;
}

/** Fields compared by meaning: flags as booleans, hashes and GUIDs case-insensitively. */
function meaning(b: NetshBinding): Record<string, unknown> {
  const out: Record<string, unknown> = {
    endpoint: `${b.endpoint.kind}=${b.endpoint.value.toLowerCase()}`,
  };
  for (const [f, v] of Object.entries(b.fields) as [NetshField, string | null][]) {
    const flag = netshFlag(b, f);
    out[f] =
      flag !== undefined
        ? flag
        : typeof v === 'string' && /^(certificateHash|appId)$/.test(f)
          ? v.toLowerCase()
          : v;
  }
  return out;
}

describe('round trip through the simulated netsh.exe', () => {
  it.each(SHOW)(
    '%s: parse, add with the restore arguments, show: same fields, same text',
    async (name) => {
      const host = meta(name);
      const before = parseNetshSslCert(fixture(name));
      const root = simFor(before, host);
      for (const b of before) {
        const r = await root.netsh(['http', 'add', 'sslcert', ...netshAddArgs(b)]);
        expect(r, netshAddArgs(b).join(' ')).toMatchObject({ code: 0 });
      }
      const shown = await root.netsh(['http', 'show', 'sslcert']);
      expect(shown.code).toBe(0);
      const after = parseNetshSslCert(shown.output);
      expect(after.map(meaning)).toEqual(before.map(meaning));
      // The simulator prints the fixture itself (the variant with English flag words aside: the
      // simulated German build prints German ones).
      if (!name.includes('english-values')) expect(shown.output).toBe(fixture(name));
      // And `show` with the endpoint (what capture runs) reads the same binding.
      const one = await root.netsh([
        'http',
        'show',
        'sslcert',
        `${before[0]!.endpoint.kind}=${before[0]!.endpoint.value}`,
      ]);
      expect(parseNetshSslCert(one.output).map(meaning)).toEqual([meaning(before[0]!)]);
    },
  );
});

describe('rebinding to a new certificate keeps every flag', () => {
  // As the netsh-http playbook binds: the captured arguments with the new hash and store, through
  // `update sslcert`, or delete and add where the build has no update (2012 R2).
  it.each(['netsh-2012r2-fr.txt', 'netsh-2016-de.txt', 'netsh-2019-fr.txt', 'netsh-2022-de.txt'])(
    '%s',
    async (name) => {
      const host = meta(name);
      const [captured] = parseNetshSslCert(fixture(name));
      const root = simFor([captured!], host);
      const next = 'D'.repeat(40);
      root.addCert(next, PEM, KEY, 'WebHosting');
      expect((await root.netsh(['http', 'add', 'sslcert', ...netshAddArgs(captured!)])).code).toBe(
        0,
      );
      const args = [
        ...netshAddArgs(captured!).filter((a) => !/^(certhash|certstorename)=/.test(a)),
        `certhash=${next}`,
        'certstorename=WebHosting',
      ];
      if (host.build === '2012r2') {
        expect((await root.netsh(['http', 'update', 'sslcert', ...args])).code).toBe(1);
        const endpoint = `${captured!.endpoint.kind}=${captured!.endpoint.value}`;
        expect((await root.netsh(['http', 'delete', 'sslcert', endpoint])).code).toBe(0);
        expect((await root.netsh(['http', 'add', 'sslcert', ...args])).code).toBe(0);
      } else {
        expect((await root.netsh(['http', 'update', 'sslcert', ...args])).code).toBe(0);
      }
      const [after] = parseNetshSslCert((await root.netsh(['http', 'show', 'sslcert'])).output);
      expect(meaning(after!)).toEqual({
        ...meaning(captured!),
        certificateHash: next.toLowerCase(),
        certStoreName: 'WebHosting',
      });
    },
  );
});

describe('the simulated netsh.exe refuses what netsh refuses', () => {
  const HASH = 'A0B1C2D3E4F5A6B7C8D9E0F1A2B3C4D5E6F7A8B9';
  const base = [
    'http',
    'add',
    'sslcert',
    'ipport=0.0.0.0:7047',
    `certhash=${HASH}`,
    'appid={00112233-4455-6677-8899-aabbccddeeff}',
  ];
  const sim = (
    build: WinBuild,
    locale: WinLocale = 'en',
    account = 'BC01\\Administrator',
  ): SimRoot => {
    const root = SimRoot.create({ build, locale, currentAccount: account });
    roots.push(root);
    root.addCert(HASH, PEM, KEY);
    return root;
  };

  it('rejectconnections= is no netsh argument on any build; reject= is one from 2016 on', async () => {
    // Each case on its own simulated host, run side by side: [build, extra argument, exit code].
    const cases: readonly (readonly [WinBuild, string, number])[] = [
      ['2012r2', 'rejectconnections=enable', 1],
      ['2016', 'rejectconnections=enable', 1],
      ['2019', 'rejectconnections=enable', 1],
      ['2022', 'rejectconnections=enable', 1],
      ['2012r2', 'reject=enable', 1],
      ['2016', 'reject=enable', 0],
      ['2019', 'reject=enable', 0],
      ['2022', 'reject=enable', 0],
      // Flags of later builds are unknown to earlier ones.
      ['2016', 'disabletls13=enable', 1],
      ['2019', 'enablesessionticket=enable', 1],
      ['2022', 'enablesessionticket=enable', 0],
    ];
    const results = await Promise.all(
      cases.map(([build, arg]) => sim(build).netsh([...base, arg])),
    );
    results.forEach((r, i) => {
      const [build, arg, code] = cases[i]!;
      expect(r.code, `${build} ${arg}`).toBe(code);
      if (code === 1) expect(r.output).toContain('Usage: add sslcert');
    });
  });

  it('183 on a second add, 2 on deleting or updating what is not there, in the host language', async () => {
    const root = sim('2019', 'de');
    expect((await root.netsh(base)).code).toBe(0);
    expect(await root.netsh(base)).toEqual({
      code: 1,
      output:
        'Fehler beim Hinzufügen des SSL-Zertifikats. Fehler: 183\nEine Datei kann nicht erstellt werden, wenn sie bereits vorhanden ist.\n\n',
    });
    const del = await root.netsh(['http', 'delete', 'sslcert', 'ipport=0.0.0.0:9999']);
    expect(del).toMatchObject({
      code: 1,
      output: expect.stringContaining(
        'Fehler: 2\nDas System kann die angegebene Datei nicht finden.',
      ),
    });
    const upd = await root.netsh([
      'http',
      'update',
      'sslcert',
      'ipport=0.0.0.0:9999',
      `certhash=${HASH}`,
      'appid={00112233-4455-6677-8899-aabbccddeeff}',
    ]);
    expect(upd.code).toBe(1);
    expect(upd.output).toContain('Fehler: 2');
    const show = await root.netsh(['http', 'show', 'sslcert', 'ipport=0.0.0.0:9999']);
    expect(show).toMatchObject({
      code: 1,
      output: expect.stringContaining('Das System kann die angegebene Datei nicht finden.'),
    });
  });

  it('1312 when the certificate is not in the store or has no private key', async () => {
    const root = sim('2022');
    const other = 'B'.repeat(40);
    const r = await root.netsh([
      'http',
      'add',
      'sslcert',
      'ipport=0.0.0.0:7048',
      `certhash=${other}`,
      'appid={00112233-4455-6677-8899-aabbccddeeff}',
    ]);
    expect(r).toMatchObject({
      code: 1,
      output: expect.stringContaining('Error: 1312\nA specified logon session does not exist.'),
    });
    root.addCert(other, PEM, null);
    expect(
      (
        await root.netsh([
          'http',
          'add',
          'sslcert',
          'ipport=0.0.0.0:7048',
          `certhash=${other}`,
          'appid={00112233-4455-6677-8899-aabbccddeeff}',
        ])
      ).output,
    ).toContain('1312');
    // In WebHosting but asked for in My: not found either.
    expect(
      (
        await root.netsh([
          ...base.slice(0, 5),
          'appid={00112233-4455-6677-8899-aabbccddeeff}',
          'certstorename=WebHosting',
        ])
      ).output,
    ).toContain('1312');
  });

  it('87 for a malformed value, 5 for a non-administrator, no update on 2012 R2', async () => {
    const bad = await sim('2022', 'fr').netsh([...base.slice(0, 5), 'appid=not-a-guid']);
    expect(bad).toEqual({ code: 1, output: 'Paramètre incorrect.\n\n' });
    const denied = await sim('2022', 'en', 'BC01\\svc-deploy').netsh(base);
    expect(denied).toEqual({
      code: 1,
      output: 'SSL Certificate add failed, Error: 5\nAccess is denied.\n\n',
    });
    expect(
      (await sim('2022', 'en', 'BC01\\svc-deploy').netsh(['http', 'show', 'sslcert'])).code,
    ).toBe(0);
    const root = sim('2012r2');
    expect((await root.netsh(base)).code).toBe(0);
    const upd = await root.netsh(['http', 'update', 'sslcert', ...base.slice(3)]);
    expect(upd.code).toBe(1);
    expect(upd.output).toContain('The following command was not found: http update sslcert');
  });

  it('update replaces the whole record: a flag not given again falls back to its default', async () => {
    const root = sim('2019');
    await root.netsh([...base, 'disabletls12=enable']);
    expect((await root.netsh(['http', 'update', 'sslcert', ...base.slice(3)])).code).toBe(0);
    const [b] = parseNetshSslCert((await root.netsh(['http', 'show', 'sslcert'])).output);
    expect(netshFlag(b!, 'disableTls12')).toBe(false);
  });
});

describe('capture over the simulated netsh', () => {
  it.each(['en', 'de', 'fr'] as const)(
    '%s: an endpoint with no binding is "none", one with a binding its restore arguments',
    async (locale) => {
      const root = SimRoot.create({ build: '2016', locale });
      roots.push(root);
      root.addCert('C'.repeat(40), PEM, KEY);
      const add = [
        'ipport=0.0.0.0:7047',
        `certhash=${'C'.repeat(40)}`,
        'appid={00112233-4455-6677-8899-aabbccddeeff}',
        'reject=enable',
      ];
      expect((await root.netsh(['http', 'add', 'sslcert', ...add])).code).toBe(0);
      const endpoints = [];
      for (const endpoint of ['ipport=0.0.0.0:7047', 'ipport=0.0.0.0:7048']) {
        const r = await root.netsh(['http', 'show', 'sslcert', endpoint]);
        endpoints.push({ endpoint, exitCode: r.code, output: r.output });
      }
      const c = parseCapture(JSON.stringify({ type: 'netsh-http', endpoints }), {
        host: 'bc-01',
        kind: 'netsh-http',
      });
      if (c.type !== 'netsh-http') throw new Error(c.type);
      expect(c.endpoints[0]!.restoreArgs).toEqual([
        'ipport=0.0.0.0:7047',
        `certhash=${'c'.repeat(40)}`,
        'appid={00112233-4455-6677-8899-aabbccddeeff}',
        'certstorename=MY',
        'revocationfreshnesstime=0',
        'urlretrievaltimeout=0',
        'verifyclientcertrevocation=enable',
        'verifyrevocationwithcachedclientcertonly=disable',
        'usagecheck=enable',
        'dsmapperusage=disable',
        'clientcertnegotiation=disable',
        'reject=enable',
      ]);
      expect(c.endpoints[1]).toEqual({
        endpoint: 'ipport=0.0.0.0:7048',
        binding: null,
        restoreArgs: null,
      });
    },
  );
});
