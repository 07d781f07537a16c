import { describe, expect, it } from 'vitest';
import {
  haproxyEndpoints,
  parseCrtList,
  parseHaproxyConfig,
} from '../../../src/discover/parse/haproxy.js';

const CFG = `global
    crt-base /etc/haproxy/certs
    ssl-default-bind-options ssl-min-ver TLSv1.2
defaults
    mode http
frontend fe_https
    bind :443 ssl crt /etc/haproxy/certs/shop.pem alpn h2,http/1.1
    bind ipv6@:::443 ssl crt shop.pem
    bind 10.0.0.5:8443,10.0.0.6:8443 ssl crt /etc/haproxy/sites/ crt-list /etc/haproxy/list.txt
    bind *:80
    # bind :9443 ssl crt commented.pem
listen bc
    bind 0.0.0.0:7147-7148 ssl crt bc.pem   # soap and odata
    bind /run/haproxy/local.sock ssl crt x.pem
`;

describe('haproxy configuration', () => {
  it('reads ssl bind lines: addresses, ranges, crt files and folders, crt-list, crt-base', () => {
    expect(parseHaproxyConfig(CFG)).toEqual([
      {
        address: null,
        port: 443,
        crt: ['/etc/haproxy/certs/shop.pem'],
        crtList: [],
        section: 'frontend fe_https',
      },
      {
        address: null,
        port: 443,
        crt: ['/etc/haproxy/certs/shop.pem'],
        crtList: [],
        section: 'frontend fe_https',
      },
      {
        address: '10.0.0.5',
        port: 8443,
        crt: ['/etc/haproxy/sites/'],
        crtList: ['/etc/haproxy/list.txt'],
        section: 'frontend fe_https',
      },
      {
        address: '10.0.0.6',
        port: 8443,
        crt: ['/etc/haproxy/sites/'],
        crtList: ['/etc/haproxy/list.txt'],
        section: 'frontend fe_https',
      },
      {
        address: null,
        port: 7147,
        crt: ['/etc/haproxy/certs/bc.pem'],
        crtList: [],
        section: 'listen bc',
      },
      {
        address: null,
        port: 7148,
        crt: ['/etc/haproxy/certs/bc.pem'],
        crtList: [],
        section: 'listen bc',
      },
    ]);
  });

  it('reads crt-list lines with options and SNI filters', () => {
    const list =
      '# comment\n/etc/ssl/a.pem [alpn h2 ssl-min-ver TLSv1.2] www.a.test a.test !old.a.test\nb.pem\n\n';
    expect(parseCrtList(list, '/etc/haproxy/certs')).toEqual([
      { file: '/etc/ssl/a.pem', names: ['www.a.test', 'a.test'] },
      { file: '/etc/haproxy/certs/b.pem', names: [] },
    ]);
  });

  it('expands folders and crt-lists into one configured endpoint per certificate file', () => {
    const binds = parseHaproxyConfig(CFG).filter(
      (b) => b.port === 8443 && b.address === '10.0.0.5',
    );
    const eps = haproxyEndpoints(
      binds,
      (p) => (p.endsWith('/') ? [`${p}one.pem`, `${p}two.pem`] : [p]),
      new Map([['/etc/haproxy/list.txt', [{ file: '/etc/ssl/a.pem', names: ['www.a.test'] }]]]),
    );
    expect(eps.map((e) => `${e.certFile} ${e.names.join(',')}`)).toEqual([
      '/etc/haproxy/sites/one.pem ',
      '/etc/haproxy/sites/two.pem ',
      '/etc/ssl/a.pem www.a.test',
    ]);
  });
});
