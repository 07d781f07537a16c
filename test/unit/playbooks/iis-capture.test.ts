// The iis capture: the binding's one http.sys entry, parsed from raw netsh output, and the sites
// sharing it, whose host headers verification probes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostnamesOnPort, iisEndpoint, parseCapture } from '../../../src/playbooks/capture.js';

const listing = readFileSync(
  join(import.meta.dirname, '../../fixtures/windows/netsh-2019-en.txt'),
  'utf8',
).replace('10.0.4.7:8443', '0.0.0.0:443');

const capture = (sites: { site: string; bindingInformation: string; sslFlags: number }[]) =>
  parseCapture(
    JSON.stringify({
      type: 'iis',
      site: 'www',
      bindingInformation: '*:443:www.contoso.com',
      sslFlags: 0,
      endpoint: { endpoint: 'ipport=0.0.0.0:443', exitCode: 0, output: listing },
      sites,
    }),
    { host: 'web01', kind: 'iis' },
  );

describe('iis capture', () => {
  it('maps bindings to their http.sys entry as IIS does', () => {
    expect(iisEndpoint({ bindingInformation: '*:443:www.contoso.com', sslFlags: 0 })).toBe(
      'ipport=0.0.0.0:443',
    );
    expect(iisEndpoint({ bindingInformation: '10.0.0.5:443:', sslFlags: 0 })).toBe(
      'ipport=10.0.0.5:443',
    );
    expect(iisEndpoint({ bindingInformation: '*:443:Shop.contoso.com', sslFlags: 1 })).toBe(
      'hostnameport=shop.contoso.com:443',
    );
    expect(iisEndpoint({ bindingInformation: '*:443:files', sslFlags: 3 })).toBe('ccs=443');
  });

  it('keeps the sites on the same entry and probes each of their host names, not the others', () => {
    const c = capture([
      { site: 'www', bindingInformation: '*:443:www.contoso.com', sslFlags: 0 },
      { site: 'intranet', bindingInformation: '*:443:intranet.contoso.com', sslFlags: 0 },
      { site: 'other-ip', bindingInformation: '10.0.0.9:443:other.contoso.com', sslFlags: 0 },
      { site: 'shop', bindingInformation: '*:443:shop.contoso.com', sslFlags: 1 },
      { site: 'wild', bindingInformation: '*:443:*.contoso.com', sslFlags: 0 },
    ]);
    expect(c.type).toBe('iis');
    if (c.type !== 'iis') return;
    expect(c.endpoints[0]?.restoreArgs?.[0]).toBe('ipport=0.0.0.0:443');
    expect(c.sites.map((s) => s.site)).toEqual(['www', 'intranet', 'wild']);
    expect(hostnamesOnPort(c, 443)).toEqual(['www.contoso.com', 'intranet.contoso.com']);
    expect(hostnamesOnPort(c, 8443)).toEqual([]);
  });

  it('refuses a Central Certificate Store binding that reaches certroll', () => {
    expect(() =>
      parseCapture(
        JSON.stringify({
          type: 'iis',
          site: 'files',
          bindingInformation: '*:443:files',
          sslFlags: 3,
          endpoint: { endpoint: 'ccs=443', exitCode: 0, output: '' },
          sites: [],
        }),
        { host: 'web01', kind: 'iis' },
      ),
    ).toThrow(/sslFlags/);
  });
});
