// One set of flags, through the built CLI: --trust, --env and --host repeat; a bundle's key and
// password come from --key / --password-file / --password-env on scan as on plan; durations take
// units; --warn-days alone moves --crit-days; a bad value is a usage error (64) everywhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { type CliResult } from '../helpers/cli.js';
import {
  type Issued,
  type Nginx,
  freePort,
  startNginx,
  tlsServer,
  P256,
  usePki,
} from '../lab/index.js';

/** The CLI in this process (the same code as bin/certroll.js runs, without a Node start each). */
async function runCli(
  args: readonly string[],
  o: { env?: Record<string, string> } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    isTTY: false,
    env: { ...process.env, ...o.env },
    cwd: process.cwd(),
  });
  return { code, stdout, stderr };
}

const WEB_A = '127.0.15.1';
const WEB_B = '127.0.15.2';

describe('one set of flags', () => {
  const certs = usePki((pki) => {
    const root = pki.root();
    const other = pki.root({ cn: 'Other Root' });
    const good = pki.issue({ cn: 'app.test', sans: ['app.test'], key: P256 }, root);
    const soon = pki.leaf('soon.test', root, { key: P256, days: 20 });
    return { root, other, good, soon };
  });
  let nginx: Nginx;
  let inv: string;
  let pfx: string;
  let port: number;

  beforeAll(async () => {
    port = await freePort(WEB_A);
    const tls = (address: string, c: Issued) => tlsServer(address, port, c);
    nginx = await startNginx({
      sessionCache: false,
      servers: [tls(WEB_A, certs.good), tls(WEB_B, certs.soon)],
    });
    pfx = certs.pki.pfx(certs.good, { password: 'pfx-pw-1', encoding: 'aes' });
    inv = certs.pki.write(
      'inventory.yaml',
      `version: 1
environments:
  - name: prod
    hosts:
      - name: web-a
        address: ${WEB_A}
        transport: { kind: local }
        bindings:
          - { port: ${port}, kind: nginx, probe: { sni: app.test } }
      - name: web-b
        address: ${WEB_B}
        transport: { kind: local }
        bindings:
          - { port: ${port}, kind: nginx, probe: { sni: soon.test } }
`,
    );
  });
  afterAll(async () => {
    await nginx?.stop();
  });

  const scan = async (...args: string[]) =>
    await runCli(['scan', '-i', inv, '--timeout', '2s', ...args], { env: { PFX_PW: 'pfx-pw-1' } });

  it('scan keeps every --trust and every --host', async () => {
    // The chain's root is in the first file: keeping only the last would make it untrusted.
    const r = await scan(
      '--trust',
      certs.root.certPath,
      '--trust',
      certs.other.certPath,
      '--host',
      'web-a',
      '--host',
      'web-b',
      '--format',
      'json',
    );
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout) as { endpoints: { host: string; status: string }[] };
    expect(doc.endpoints.map((e) => [e.host, e.status])).toEqual([
      ['web-a', 'OK'],
      ['web-b', 'WARNING'],
    ]);
  });

  it('scan reads a bundle with --password-env like plan, and the old --bundle-key still works with a note', async () => {
    const t = ['--trust', certs.root.certPath, '--host', 'web-a'];
    const r = await scan(...t, '--bundle', pfx, '--password-env', 'PFX_PW');
    expect(r.code, r.stderr).toBe(0);
    const old = await scan(
      ...t,
      '--bundle',
      certs.good.certPath,
      '--bundle-key',
      certs.good.keyPath,
    );
    expect(old.code, old.stderr).toBe(0);
    expect(old.stderr).toContain('--bundle-key is deprecated; use --key');
    expect((await runCli(['scan', '--help'])).stdout).not.toContain('--bundle-key');
  });

  it('--warn-days alone moves --crit-days down with it; an explicit --crit-days above it says why', async () => {
    const t = ['--trust', certs.root.certPath, '--host', 'web-b'];
    // 20 days left: no longer a WARNING at --warn-days 5 (crit follows to 5).
    expect((await scan(...t, '--warn-days', '5')).code).toBe(0);
    expect((await scan(...t, '--warn-days', '30d')).code).toBe(1);
    const bad = await scan(...t, '--warn-days', '5', '--crit-days', '10');
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('--crit-days 10 is more than --warn-days 5: an endpoint would be');
  });

  it.each([
    [['scan', '--timeout', 'soon'], "option '--timeout <duration>' argument 'soon' is invalid"],
    [['scan', '--format', 'xml'], "argument 'xml' is invalid. Allowed choices are table, json"],
    [['scan', '--no-such-flag'], "unknown option '--no-such-flag'"],
    [['discover', '-i', 'x.yaml', '--crit-days', 'many'], "argument 'many' is invalid"],
    [['cert', 'check', 'x.pem', '--min-days', '-3'], "argument '-3' is invalid"],
    [['plan', '-i', 'x', '--cert', 'y', '--min-days', 'x'], 'expected a number of days'],
  ])('%j is a usage error, exit 64', async (args, message) => {
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(64);
    expect(r.stderr).toContain(message);
  });

  it('plan takes --host like ansible --limit and names the hosts it knows', async () => {
    const r = await runCli(['plan', '-i', inv, '--cert', certs.good.certPath, '--host', 'web-c']);
    expect(r.code, r.stderr).toBe(64);
    expect(r.stderr).toContain('--host web-c: no host of that name in');
    expect(r.stderr).toMatch(/Did you mean web-[ab]\? Known: web-a, web-b\./);
  });

  describe('scan speaks the monitoring conventions', () => {
    it('nagios: the status line first, with the days left of every endpoint as perfdata', async () => {
      const r = await scan('--trust', certs.root.certPath, '--format', 'nagios');
      expect(r.code).toBe(1);
      const [first, ...rest] = r.stdout.trimEnd().split('\n');
      expect(first).toMatch(
        /^CERTROLL WARNING - 1 WARNING of 2 endpoint\(s\); prod\/web-b 127\.0\.15\.2:\d+ soon\.test: certificate expires in 19 day\(s\) .*\| /,
      );
      const perf = first!.split(' | ')[1]!.split(' ');
      expect(perf).toHaveLength(2);
      expect(perf[0]).toMatch(/^'prod\/web-a\/127\.0\.15\.1:\d+\/app\.test'=\d+;30:;7:$/);
      expect(perf[1]).toMatch(/^'prod\/web-b\/127\.0\.15\.2:\d+\/soon\.test'=19;30:;7:$/);
      expect(rest).toEqual([
        expect.stringMatching(/^WARNING prod\/web-b .*: certificate expires in 19 day/),
      ]);
    });

    it('--endpoint HOST:PORT --sni NAME checks one endpoint without an inventory', async () => {
      const r = await runCli([
        ...['scan', '--endpoint', `${WEB_A}:${port}`, '--sni', 'app.test'],
        ...['--trust', certs.root.certPath, '--format', 'nagios'],
      ]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^CERTROLL OK - 1 endpoint\(s\) OK \| '[^']+'=\d+;30:;7:\n$/);
    });

    it('probe_success is 0 for an untrusted chain and for a name mismatch, as blackbox_exporter says', async () => {
      const one = (sni: string, ...more: string[]) =>
        runCli([
          'scan',
          '--endpoint',
          `${WEB_A}:${port}`,
          '--sni',
          sni,
          '--format',
          'prometheus',
          ...more,
        ]);
      const success = (text: string) => /^probe_success\{.*\} (\d)$/m.exec(text)?.[1];
      expect(success((await one('app.test', '--trust', certs.root.certPath)).stdout)).toBe('1');
      expect(success((await one('app.test', '--trust', certs.other.certPath)).stdout)).toBe('0');
      expect(success((await one('other.test', '--trust', certs.root.certPath)).stdout)).toBe('0');
    });

    it('takes the fingerprint prefix the table prints (8 hex digits or more) for --expect and --old, and refuses one that names nothing served', async () => {
      const t = ['--trust', certs.root.certPath, '--host', 'web-a'];
      const table = await scan(...t);
      const printed = /\b([0-9a-f]{16})\b/.exec(table.stdout)?.[1];
      expect(printed).toBe(certs.good.sha256.slice(0, 16));
      expect((await scan(...t, '--expect', printed!)).code).toBe(0);
      const old = await scan(...t, '--old', printed!.slice(0, 8).toUpperCase());
      expect(old.code).toBe(2);
      expect(old.stdout).toContain(`still serves the old certificate ${printed}`);
      // A prefix nothing serves would judge by chance: a usage error naming what is served.
      const other = certs.good.sha256.startsWith('0') ? '1111111111' : '0000000000';
      const none = await scan(...t, '--expect', other);
      expect(none.code).toBe(64);
      expect(none.stderr).toContain(
        `--expect ${other} matches no certificate served (seen: ${printed})`,
      );
    });
  });
});
