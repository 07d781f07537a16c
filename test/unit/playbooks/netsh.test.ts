import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { netshAddArgs } from '../../../src/playbooks/parse/netsh-args.js';
import { netshFlag, parseNetshSslCert } from '../../../src/playbooks/parse/netsh.js';

const fixture = (name: string): string =>
  readFileSync(join(import.meta.dirname, '../../fixtures/windows', name), 'utf8');
// Recorded outputs come with CRLF line ends from Windows; the parser takes both.
const crlf = (s: string): string => s.replace(/\n/g, '\r\n');

describe('parseNetshSslCert', () => {
  it('reads Windows Server 2012 R2 output: ipport and hostnameport, thirteen fields', () => {
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
    expect(b.every((x) => x.extra.length === 0)).toBe(true);
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

  it('reads 2019 output with the newer flags and a central certificate store binding', () => {
    const b = parseNetshSslCert(fixture('netsh-2019-en.txt'));
    expect(b.map((x) => x.endpoint.kind)).toEqual(['ipport', 'ccs']);
    expect(netshFlag(b[0]!, 'disableTls13')).toBe(true);
    expect(netshFlag(b[0]!, 'disableLegacyTls')).toBe(true);
    expect(netshFlag(b[0]!, 'disableQuic')).toBe(false);
    expect(b[1]!.fields.certificateHash).toBeNull();
  });

  it('reads 2022 output and keeps the extended properties aside', () => {
    const [b] = parseNetshSslCert(fixture('netsh-2022-en.txt'));
    expect(b!.endpoint).toEqual({ kind: 'hostnameport', value: 'api.example.com:7048' });
    expect(netshFlag(b!, 'disableQuic')).toBe(true);
    expect(netshFlag(b!, 'disableTls12')).toBe(false);
    expect(b!.extra.map((e) => e.label)).toContain('Receive Window (nested)');
    expect(b!.fields.enableSessionTicket).toBe('Not Set');
  });

  it('reads German output by position where labels are localized', () => {
    const b = parseNetshSslCert(crlf(fixture('netsh-2019-de.txt')));
    expect(b.map((x) => x.endpoint)).toEqual([
      { kind: 'ipport', value: '0.0.0.0:7047' },
      { kind: 'hostnameport', value: 'bc.beispiel.de:7048' },
    ]);
    expect(b[0]!.fields).toMatchObject({
      certificateHash: '9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b',
      appId: '{00112233-4455-6677-8899-aabbccddeeff}',
      certStoreName: 'My',
      usageCheck: 'Enabled',
      dsMapperUsage: 'Disabled',
      clientCertNegotiation: 'Enabled',
      disableTls13: 'Not Set',
      enableSessionTicket: 'Not Set',
    });
    // Values localized too (Aktiviert/Deaktiviert).
    expect(netshFlag(b[1]!, 'verifyClientCertRevocation')).toBe(true);
    expect(netshFlag(b[1]!, 'clientCertNegotiation')).toBe(false);
  });

  it('finds no binding in a "not found" answer or in garbage', () => {
    expect(parseNetshSslCert(fixture('netsh-notfound-en.txt'))).toEqual([]);
    expect(parseNetshSslCert(fixture('netsh-notfound-de.txt'))).toEqual([]);
    expect(parseNetshSslCert('random: text\n\n:::\n')).toEqual([]);
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

  it('uses the hostnameport form for SNI bindings', () => {
    const [b] = parseNetshSslCert(fixture('netsh-2022-en.txt'));
    expect(netshAddArgs(b!).slice(0, 2)).toEqual([
      'hostnameport=api.example.com:7048',
      'certhash=fedcba9876543210fedcba9876543210fedcba98',
    ]);
    expect(netshAddArgs(b!)).toContain('disablequic=enable');
  });
});
