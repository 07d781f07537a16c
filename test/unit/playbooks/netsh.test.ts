import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  NETSH_ENABLE_ONLY_ARGS,
  NETSH_NUMBER_ARGS,
  NETSH_ON_OFF_ARGS,
  NETSH_STRING_ARGS,
  netshAddArgs,
} from '../../../src/playbooks/parse/netsh-args.js';
import {
  NETSH_BASE_FIELDS,
  netshFlag,
  parseNetshSslCert,
  type NetshBinding,
} from '../../../src/playbooks/parse/netsh.js';

const DIR = join(import.meta.dirname, '../../fixtures/windows');
const fixture = (name: string): string => readFileSync(join(DIR, name), 'utf8');
// Recorded outputs come with CRLF line ends from Windows; the parser takes both.
const crlf = (s: string): string => s.replace(/\n/g, '\r\n');

/** Every `show sslcert` fixture: netsh-<build>-<locale>[-variant].txt. */
export const SHOW_FIXTURES = readdirSync(DIR).filter((f) =>
  /^netsh-(2012r2|2016|2019|2022)-(en|de|fr)(-[a-z-]+)?\.txt$/.test(f),
);
const FIELD_COUNT: Record<string, number> = { '2012r2': 12, '2016': 14, '2019': 19, '2022': 25 };

const thrown = (f: () => unknown): Record<string, unknown> => {
  try {
    f();
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected an error');
};

describe('parseNetshSslCert: every fixture, every field', () => {
  it('has a fixture for every build in every language', () => {
    for (const build of ['2012r2', '2016', '2019', '2022'])
      for (const locale of ['en', 'de', 'fr'])
        expect(SHOW_FIXTURES).toContain(`netsh-${build}-${locale}.txt`);
  });

  it.each(SHOW_FIXTURES)('%s: every line is read into a field, none left over', (name) => {
    const [, build = '', locale = ''] = /^netsh-([^-]+)-([a-z]+)/.exec(name) ?? [];
    const text = fixture(name);
    const bindings = parseNetshSslCert(crlf(text));
    expect(bindings.length).toBeGreaterThan(0);
    // Every indented `label : value` line of the text is one field or one endpoint.
    const valueLines = text.split('\n').filter((l) => /^\s+\S.*\s:\s+\S/.test(l)).length;
    const propertyIds = text.split('\n').filter((l) => /^\s+PropertyId\s+:/.test(l)).length;
    const read = bindings.reduce((n, b) => n + 1 + Object.keys(b.fields).length, 0);
    expect(read).toBe(valueLines - propertyIds);
    for (const b of bindings) {
      expect(b.locale).toBe(locale);
      expect(Object.keys(b.fields)).toHaveLength(FIELD_COUNT[build]!);
      for (const f of NETSH_BASE_FIELDS) expect(b.fields).toHaveProperty(f);
    }
  });

  it('reads Server 2012 R2 output: ipport and hostnameport, twelve fields', () => {
    const b = parseNetshSslCert(crlf(fixture('netsh-2012r2-en.txt')));
    expect(b.map((x) => x.endpoint)).toEqual([
      { kind: 'ipport', value: '0.0.0.0:443' },
      { kind: 'ipport', value: '0.0.0.0:7047' },
      { kind: 'hostnameport', value: 'www.example.com:443' },
    ]);
    expect(b[0]!.fields).toMatchObject({
      certificateHash: '6f2c0a9d3e5b7c1a8f4e2d6b9c0a1e3f5d7b9c2e',
      appId: '{4dc3e181-e14b-4a21-b022-59fc669b0914}',
      certStoreName: 'MY',
      sslCtlIdentifier: null,
      clientCertNegotiation: 'Disabled',
    });
    expect(netshFlag(b[1]!, 'clientCertNegotiation')).toBe(true);
    expect(b[2]!.fields.certStoreName).toBe('WebHosting');
  });

  it('reads 2016 output with Reject Connections and Disable HTTP2, and an IPv6 ipport', () => {
    const b = parseNetshSslCert(fixture('netsh-2016-en.txt'));
    expect(b[0]!.endpoint).toEqual({ kind: 'ipport', value: '0.0.0.0:7048' });
    expect(netshFlag(b[0]!, 'disableHttp2')).toBe(true);
    expect(b[1]!.endpoint).toEqual({ kind: 'ipport', value: '[::]:443' });
    expect(b[1]!.fields).toMatchObject({
      revocationFreshnessTime: '3600',
      urlRetrievalTimeout: '15000',
    });
    expect(netshFlag(b[1]!, 'disableHttp2')).toBe(false);
  });

  it('reads 2019 output with the TLS flags and a central certificate store binding', () => {
    const b = parseNetshSslCert(fixture('netsh-2019-en.txt'));
    expect(b.map((x) => x.endpoint.kind)).toEqual(['ipport', 'ccs']);
    expect(netshFlag(b[0]!, 'disableTls13')).toBe(true);
    expect(netshFlag(b[0]!, 'disableLegacyTls')).toBe(true);
    expect(netshFlag(b[0]!, 'disableTls12')).toBe(false);
    expect(b[1]!.fields.certificateHash).toBeNull();
  });

  it('reads 2022 output with its HTTP/2 extended properties as fields', () => {
    const [b] = parseNetshSslCert(fixture('netsh-2022-en.txt'));
    expect(b!.endpoint).toEqual({ kind: 'hostnameport', value: 'api.example.com:7048' });
    expect(netshFlag(b!, 'disableQuic')).toBe(true);
    expect(b!.fields).toMatchObject({
      enableSessionTicket: 'Not Set',
      receiveWindow: '1048576',
      maxSettingsPerFrame: '2796202',
      maxSettingsPerMinute: '4294967295',
    });
  });

  it('reads German labels with German or English flag words', () => {
    for (const name of ['netsh-2019-de.txt', 'netsh-2019-de-english-values.txt']) {
      const b = parseNetshSslCert(crlf(fixture(name)));
      expect(b.map((x) => x.endpoint)).toEqual([
        { kind: 'ipport', value: '0.0.0.0:7047' },
        { kind: 'hostnameport', value: 'bc.beispiel.de:7048' },
      ]);
      expect(netshFlag(b[0]!, 'clientCertNegotiation')).toBe(true);
      expect(netshFlag(b[0]!, 'disableLegacyTls')).toBe(true);
      expect(netshFlag(b[1]!, 'disableTls13')).toBe(true);
      expect(netshFlag(b[1]!, 'verifyClientCertRevocation')).toBe(true);
    }
  });

  it('reads French labels, CTL names and a central certificate store binding', () => {
    const [b] = parseNetshSslCert(fixture('netsh-2016-fr.txt'));
    expect(b!.fields).toMatchObject({
      sslCtlIdentifier: 'EmetteursClients',
      sslCtlStoreName: 'CA',
    });
    expect(netshFlag(b!, 'verifyClientCertRevocation')).toBe(false);
    const ccs = parseNetshSslCert(fixture('netsh-2012r2-fr.txt'));
    expect(ccs.map((x) => x.endpoint)).toEqual([
      { kind: 'ipport', value: '[::]:443' },
      { kind: 'ccs', value: '443' },
    ]);
  });

  it('reads the uneven padding and trailing spaces of recorded output', () => {
    // As recorded from real hosts in SslCertBinding.Net's tests (2008 R2 and later).
    const recorded = [
      '',
      'SSL Certificate bindings:',
      '-------------------------',
      '',
      '    IP:port                 : 0.0.0.0:44301 ',
      '    Certificate Hash        : 6f2c0a9d3e5b7c1a8f4e2d6b9c0a1e3f5d7b9c2e',
      '    Application ID          : {4dc3e181-e14b-4a21-b022-59fc669b0914} ',
      '    Certificate Store Name  : My ',
      '    Verify Client Certificate Revocation    : Enabled',
      '    Verify Revocation Using Cached Client Certificate Only    : Disabled',
      '    Usage Check    : Enabled',
      '    Revocation Freshness Time : 0 ',
      '    URL Retrieval Timeout   : 0 ',
      '    Ctl Identifier          : (null) ',
      '    Ctl Store Name          : (null) ',
      '    DS Mapper Usage    : Disabled',
      '    Negotiate Client Certificate    : Disabled',
      '',
    ].join('\r\n');
    const [b] = parseNetshSslCert(recorded);
    expect(b!.endpoint).toEqual({ kind: 'ipport', value: '0.0.0.0:44301' });
    expect(b!.fields).toMatchObject({
      appId: '{4dc3e181-e14b-4a21-b022-59fc669b0914}',
      certStoreName: 'My',
      sslCtlIdentifier: null,
    });
  });

  it('finds no binding in a "not found" answer or in garbage', () => {
    expect(parseNetshSslCert(fixture('netsh-notfound-en.txt'))).toEqual([]);
    expect(parseNetshSslCert(fixture('netsh-notfound-de.txt'))).toEqual([]);
    expect(parseNetshSslCert(fixture('netsh-notfound-fr.txt'))).toEqual([]);
    expect(parseNetshSslCert('random: text\n\n:::\n')).toEqual([]);
  });
});

describe('parseNetshSslCert: what it does not know stops the capture', () => {
  const en2019 = fixture('netsh-2019-en.txt');

  it('an unknown field (a newer build) names the line, the label and the build it looks like', () => {
    const text = en2019.replace(
      '    Disable Legacy TLS Versions  : Set\n',
      '    Disable Legacy TLS Versions  : Set\n    Disable Session ID           : Set\n',
    );
    const e = thrown(() => parseNetshSslCert(text));
    expect(e).toMatchObject({
      code: 'PLAYBOOK_OUTPUT',
      location: { line: 25, field: 'Disable Session ID' },
    });
    expect(String(e['message'])).toContain('ipport=10.0.4.7:8443');
    expect(String(e['message'])).toContain('Windows Server 2019, English');
    expect(String(e['hint'])).toContain('rather than rebind without a netsh setting');
  });

  it('an unknown flag word', () => {
    const text = en2019.replace(
      'Disable TLS1.3               : Set',
      'Disable TLS1.3               : Maybe',
    );
    expect(() => parseNetshSslCert(text)).toThrow(/has a value certroll does not know: "Maybe"/);
  });

  it('a value of the wrong shape (a truncated hash, a bad appid, a word for a number)', () => {
    expect(() => parseNetshSslCert(en2019.replace('01234567\n', '0123\n'))).toThrow(
      /Certificate Hash/,
    );
    expect(() => parseNetshSslCert(en2019.replace('{f2a3b4c5-', '{zz'))).toThrow(/Application ID/);
    expect(() =>
      parseNetshSslCert(
        en2019.replace('Revocation Freshness Time    : 0', 'Revocation Freshness Time    : soon'),
      ),
    ).toThrow(/Revocation Freshness Time/);
  });

  it('a binding missing one of the base fields', () => {
    const text = en2019.replace('    Usage Check                  : Enabled\n', '');
    expect(() => parseNetshSslCert(text)).toThrow(/lacks usageCheck/);
  });

  it('an unknown nested block or extended property', () => {
    const en2022 = fixture('netsh-2022-en.txt');
    expect(() =>
      parseNetshSslCert(
        en2022.replace('PropertyId               : 1', 'PropertyId               : 7'),
      ),
    ).toThrow(/extended property "7"/);
    expect(() =>
      parseNetshSslCert(en2022.replace('Extended Properties:', 'Other Things:')),
    ).toThrow(/block "Other Things"/);
  });

  it('an endpoint label in a language it does not read', () => {
    const text = en2019.replace(
      '    IP:port                      : 10.0.4.7:8443',
      '    IP:puerto                    : 10.0.4.7:8443',
    );
    expect(() => parseNetshSslCert(text)).toThrow(/endpoint label "IP:puerto"/);
  });

  it('labels localized into a language it does not read', () => {
    const text = fixture('netsh-2019-fr.txt').replace(
      'Hachage du certificat',
      'Hash del certificato',
    );
    expect(() => parseNetshSslCert(text)).toThrow(
      /"Hash del certificato" is not one certroll knows.*French/,
    );
  });
});

describe('netshAddArgs', () => {
  it('recreates a binding with its appid, store and every flag that is set', () => {
    const [b] = parseNetshSslCert(fixture('netsh-2019-en.txt'));
    expect(netshAddArgs(b!)).toEqual([
      'ipport=10.0.4.7:8443',
      'certhash=0123456789abcdef0123456789abcdef01234567',
      'appid={f2a3b4c5-d6e7-4890-a1b2-c3d4e5f60718}',
      'certstorename=My',
      'revocationfreshnesstime=0',
      'urlretrievaltimeout=0',
      'verifyclientcertrevocation=enable',
      'verifyrevocationwithcachedclientcertonly=disable',
      'usagecheck=enable',
      'dsmapperusage=disable',
      'clientcertnegotiation=disable',
      'disabletls13=enable',
      'disablelegacytls=enable',
    ]);
  });

  it('writes reject=, the argument netsh has, for Reject Connections', () => {
    const [b] = parseNetshSslCert(fixture('netsh-2016-de.txt'));
    expect(netshAddArgs(b!)).toContain('reject=enable');
    expect(netshAddArgs(b!).some((a) => a.startsWith('rejectconnections='))).toBe(false);
  });

  it('uses the hostnameport form for SNI bindings', () => {
    const [b] = parseNetshSslCert(fixture('netsh-2022-en.txt'));
    expect(netshAddArgs(b!).slice(0, 2)).toEqual([
      'hostnameport=api.example.com:7048',
      'certhash=fedcba9876543210fedcba9876543210fedcba98',
    ]);
    expect(netshAddArgs(b!)).toContain('disablequic=enable');
  });

  it('refuses a binding whose HTTP/2 extended properties add sslcert could not restore', () => {
    const text = fixture('netsh-2022-en.txt').replace('1048576', '65535');
    const [b] = parseNetshSslCert(text);
    expect(() => netshAddArgs(b!)).toThrow(
      expect.objectContaining({
        code: 'PLAYBOOK_OUTPUT',
        message: expect.stringContaining('receiveWindow 65535'),
      }),
    );
  });

  it('writes only arguments that netsh add sslcert lists in its usage text', () => {
    const usage = fixture('netsh-usage-add-sslcert-2022.txt');
    const block = usage.slice(
      usage.indexOf('Usage:'),
      usage.indexOf('\n\n', usage.indexOf('Usage:')),
    );
    const tags = new Set([...block.matchAll(/([a-z0-9]+)=/g)].map((m) => m[1]));
    const mapped = [NETSH_ON_OFF_ARGS, NETSH_ENABLE_ONLY_ARGS, NETSH_NUMBER_ARGS, NETSH_STRING_ARGS]
      .flat()
      .map(([, arg]) => arg);
    for (const arg of mapped) expect(tags, arg).toContain(arg);
    // And every flag the parser reads (but the HTTP/2 properties) has an argument.
    const all: NetshBinding['fields'] = parseNetshSslCert(fixture('netsh-2022-en.txt'))[0]!.fields;
    const fields = Object.keys(all).filter((f) => !/^(receiveWindow|maxSettings)/.test(f));
    const withArg = new Set(
      [NETSH_ON_OFF_ARGS, NETSH_ENABLE_ONLY_ARGS, NETSH_NUMBER_ARGS, NETSH_STRING_ARGS]
        .flat()
        .map(([f]) => f),
    );
    for (const f of fields) expect(withArg, f).toContain(f);
  });
});
