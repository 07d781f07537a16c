import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProcesses, selectRunning } from '../../../src/discover/parse/processes.js';
import {
  CERT_TEXT_MAX,
  certScript,
  combinedScript,
  configScript,
  expandScript,
  listenScript,
  splitSections,
} from '../../../src/discover/sh-scripts.js';
import { tempDir } from '../../helpers/temp.js';

const dir = tempDir('certroll-discover-sh-');
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

  it('run as one command, several passes give each its own sections, as they would apart', () => {
    writeFileSync(join(dir, 'b.cfg'), 'frontend x\n  bind :443 ssl crt /b.pem\n');
    writeFileSync(
      join(dir, 'b.pem'),
      '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n',
    );
    const parts = [configScript([], [join(dir, 'b.cfg')]), certScript([join(dir, 'b.pem')])];
    // The same text, but for the line break that ends a command's output (the parsers read
    // sections both ways already: only the last section of a pass ever had it).
    const trimmed = (m: Map<string, string>) =>
      new Map([...m].map(([k, v]) => [k, v.replace(/\n$/, '')]));
    const together = splitSections(sh(combinedScript(parts)).stdout);
    const apart = new Map(parts.flatMap((p) => [...splitSections(sh(p).stdout)]));
    expect(trimmed(together)).toEqual(trimmed(apart));
    expect(together.get('haproxy:0')).toContain('crt /b.pem');
    expect(together.get('cert:0')).toContain('BEGIN CERTIFICATE');
  });

  it('reads listeners on this machine with ss or /proc, and the process list', () => {
    const s = splitSections(sh(listenScript()).stdout);
    expect(s.has('ss') || s.has('proc-tcp')).toBe(true);
    expect(s.get('ps')).toMatch(/\S/);
    expect(s.get('uid')?.trim()).toBe(String(process.geteuid?.()));
    // This machine's ps prints pids: `sh` itself is there with its parent.
    const self = parseProcesses(s.get('ps') ?? '').parents;
    expect(self?.size).toBeGreaterThan(0);
  });

  it('fall back to ps without pids where ps refuses the pid and ppid columns', () => {
    const shim = join(dir, 'bin');
    mkdirSync(shim, { recursive: true });
    writeFileSync(
      join(shim, 'ps'),
      '#!/bin/sh\ncase "$*" in *pid*) echo "ps: bad -o" >&2; exit 1;; esac\necho "nginx: master process /usr/sbin/nginx"\n',
      { mode: 0o755 },
    );
    const r = spawnSync('sh', ['-c', listenScript()], {
      encoding: 'utf8',
      cwd: dir,
      timeout: 10_000,
      env: { ...process.env, PATH: `${shim}:${process.env['PATH'] ?? ''}` },
    });
    const ps = splitSections(r.stdout).get('ps') ?? '';
    expect(parseProcesses(ps)).toEqual({
      nginx: [{ binary: '/usr/sbin/nginx', args: [] }],
      haproxy: [],
    });
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
    // The key first, then the leaf and a second certificate: only the leaf comes back, whole.
    const keyFirst = join(dir, 'key-first.pem');
    writeFileSync(keyFirst, sh(`cat k.pem c.pem c.pem`).stdout);
    const leaf = splitSections(sh(certScript([keyFirst])).stdout).get('cert:0') ?? '';
    expect(leaf).not.toContain('PRIVATE KEY');
    expect(leaf.trim()).toBe(readFileSync(join(dir, 'c.pem'), 'utf8').trim());
    expect(new X509Certificate(leaf).subject).toBe('CN=t');
  });

  it('send at most 64 KiB of one file, whatever it holds', () => {
    const huge = join(dir, 'huge.pem');
    const line = `${'A'.repeat(63)}\n`;
    writeFileSync(huge, `-----BEGIN CERTIFICATE-----\n${line.repeat(4096)}`);
    const out = sh(certScript([huge, huge])).stdout;
    const first = splitSections(out).get('cert:0') ?? '';
    expect(first.startsWith('-----BEGIN CERTIFICATE-----')).toBe(true);
    expect(Buffer.byteLength(first)).toBeGreaterThan(60_000);
    expect(Buffer.byteLength(first)).toBeLessThanOrEqual(CERT_TEXT_MAX);
    expect(Buffer.byteLength(splitSections(out).get('cert:1') ?? '')).toBeLessThanOrEqual(
      CERT_TEXT_MAX,
    );
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
      haproxy: [{ config: '/etc/haproxy/haproxy.cfg' }, { config: '/etc/haproxy/conf.d' }],
    });
  });

  it('gives pid and parent of each process when ps prints them', () => {
    const ps = [
      '    1     0 /sbin/init',
      '  200     1 nginx: master process /usr/sbin/nginx -c /srv/a/nginx.conf',
      '  201   200 nginx: worker process',
      '  300     1 nginx: master process /usr/sbin/nginx -c /srv/a/nginx.conf',
      '  500     1 /usr/sbin/haproxy -Ws -f /etc/haproxy/haproxy.cfg',
      '  501   500 /usr/sbin/haproxy -Ws -f /etc/haproxy/haproxy.cfg -x sockpair@3',
    ].join('\n');
    const running = parseProcesses(ps);
    expect(running.nginx).toEqual([
      {
        binary: '/usr/sbin/nginx',
        args: ['-c', '/srv/a/nginx.conf'],
        procs: [
          { pid: 200, ppid: 1 },
          { pid: 300, ppid: 1 },
        ],
      },
    ]);
    expect(running.haproxy).toEqual([
      {
        config: '/etc/haproxy/haproxy.cfg',
        procs: [
          { pid: 500, ppid: 1 },
          { pid: 501, ppid: 500 },
        ],
      },
    ]);
    expect(running.parents?.get(201)).toBe(200);
  });

  it('keeps the instances that own a listener themselves or through a worker', () => {
    const ps = [
      '  200     1 nginx: master process /usr/sbin/nginx -c /srv/a/nginx.conf',
      '  201   200 nginx: worker process',
      '  300     1 nginx: master process /usr/sbin/nginx -c /srv/b/nginx.conf',
      '  400     1 nginx: master process /usr/sbin/nginx -c /srv/c/nginx.conf',
      '  500     1 /usr/sbin/haproxy -Ws -f /srv/a/haproxy.cfg',
      '  501   500 /usr/sbin/haproxy -Ws -f /srv/a/haproxy.cfg',
      '  600     1 /usr/sbin/haproxy -Ws -f /srv/b/haproxy.cfg',
      '  601   600 /usr/sbin/haproxy -Ws -f /srv/b/haproxy.cfg',
    ].join('\n');
    const running = parseProcesses(ps);
    expect(selectRunning(running, new Set([201, 300, 501]))).toEqual({
      nginx: [
        { binary: '/usr/sbin/nginx', args: ['-c', '/srv/a/nginx.conf'] },
        { binary: '/usr/sbin/nginx', args: ['-c', '/srv/b/nginx.conf'] },
      ],
      haproxy: ['/srv/a/haproxy.cfg'],
      skipped: { nginx: 1, haproxy: 1 },
    });
    expect(selectRunning(running, undefined).skipped).toEqual({ nginx: 0, haproxy: 0 });
    expect(selectRunning(running, undefined).nginx).toHaveLength(3);
  });

  it('keeps all instances when ps printed no pids, at most 16 of each kind', () => {
    const ps = Array.from(
      { length: 20 },
      (_, i) => `nginx: master process /usr/sbin/nginx -c /srv/${i}/nginx.conf`,
    ).join('\n');
    const selected = selectRunning(parseProcesses(ps), new Set([1]));
    expect(selected.nginx).toHaveLength(16);
    expect(selected.skipped).toEqual({ nginx: 0, haproxy: 0 });
  });
});
