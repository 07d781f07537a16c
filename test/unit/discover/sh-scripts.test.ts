import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseProcesses } from '../../../src/discover/parse/processes.js';
import {
  certScript,
  configScript,
  expandScript,
  listenScript,
  splitSections,
} from '../../../src/discover/sh-scripts.js';

const dir = mkdtempSync(join(tmpdir(), 'certroll-discover-sh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sh = (script: string) =>
  spawnSync('sh', ['-c', script], { encoding: 'utf8', cwd: dir, timeout: 10_000 });

describe('discovery sh scripts', () => {
  it('pass hostile values as single words: nothing they contain is run', () => {
    const pwned = join(dir, 'pwned');
    const evil = `x'; touch ${pwned}; echo '$(touch ${pwned})\`touch ${pwned}\``;
    const scripts = [
      configScript([{ binary: evil, args: [evil, '-c', evil] }], [evil]),
      expandScript([evil], [evil]),
      certScript([evil]),
    ];
    for (const s of scripts) {
      const r = sh(s);
      expect(r.status, r.stderr).toBe(0);
    }
    expect(existsSync(pwned)).toBe(false);
  });

  it('split their output into sections by marker', () => {
    writeFileSync(join(dir, 'a.cfg'), 'frontend x\n  bind :443 ssl crt /a.pem\n');
    const r = sh(configScript([], [join(dir, 'a.cfg'), join(dir, 'missing.cfg')]));
    const sections = splitSections(r.stdout);
    expect(sections.get('haproxy:0')).toContain('bind :443 ssl crt /a.pem');
    expect(sections.get('haproxy:1')).toBe('');
  });

  it('reads listeners on this machine with ss or /proc, and the process list', () => {
    const s = splitSections(sh(listenScript()).stdout);
    expect(s.has('ss') || s.has('proc-tcp')).toBe(true);
    expect(s.get('ps')).toMatch(/\S/);
  });

  it('fetch only the certificate of a combined PEM, never its key', () => {
    const key = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-subj',
        '/CN=t',
        '-days',
        '2',
        '-keyout',
        join(dir, 'k.pem'),
        '-out',
        join(dir, 'c.pem'),
      ],
      { encoding: 'utf8' },
    );
    expect(key.status, key.stderr).toBe(0);
    const combined = join(dir, 'combined.pem');
    writeFileSync(combined, sh(`cat c.pem k.pem`).stdout);
    const out = splitSections(sh(certScript([combined])).stdout).get('cert:0') ?? '';
    expect(out).toContain('BEGIN CERTIFICATE');
    expect(out).not.toContain('PRIVATE KEY');
  });
});

describe('running nginx and haproxy processes', () => {
  it('gives the nginx binary with -p/-c and haproxy -f files', () => {
    const ps = [
      'nginx: master process /usr/sbin/nginx -p /srv/ng -e /srv/ng/e.log -c /srv/ng/nginx.conf -g daemon off;',
      'nginx: worker process',
      'nginx: master process /usr/sbin/nginx -g daemon on; master_process on;',
      '/usr/sbin/haproxy -Ws -f /etc/haproxy/haproxy.cfg -f /etc/haproxy/conf.d -p /run/haproxy.pid',
      'vim /etc/haproxy/haproxy.cfg',
    ].join('\n');
    expect(parseProcesses(ps)).toEqual({
      nginx: [
        { binary: '/usr/sbin/nginx', args: ['-p', '/srv/ng', '-c', '/srv/ng/nginx.conf'] },
        { binary: '/usr/sbin/nginx', args: [] },
      ],
      haproxy: ['/etc/haproxy/haproxy.cfg', '/etc/haproxy/conf.d'],
    });
  });
});
