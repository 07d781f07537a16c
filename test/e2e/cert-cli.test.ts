import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { TestPki, type Issued } from '../lab/index.js';

// Runs the built CLI (`npm run build` first, as `npm test` does).
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const INVENTORY = fileURLToPath(new URL('../../inventories/linux-web.yaml', import.meta.url));
const PASSWORD = 'Sup3r-s3cret-pfx-Pa55';

let pki: TestPki;
let set: { root: Issued; intermediate: Issued; leaf: Issued };
let pfx: string;
let passwordFile: string;

beforeAll(() => {
  pki = TestPki.create();
  set = pki.chain(['*.example.com', 'example.com']);
  pfx = pki.pfx(set.leaf, { password: PASSWORD, encoding: 'aes', chain: [set.intermediate] });
  passwordFile = pki.write('pfx.pass', `${PASSWORD}\n`);
});
afterAll(() => pki.cleanup());

/** `cert check` of `leaf` with its key, the set's intermediate as chain and its root as trust. */
const checkArgs = (leaf: Issued, ...more: string[]) => [
  'cert',
  'check',
  leaf.certPath,
  '--key',
  leaf.keyPath,
  '--chain',
  set.intermediate.certPath,
  '--trust',
  set.root.certPath,
  ...more,
];

describe('certroll cert check', () => {
  it('passes a good PFX with the password from a file, prints fingerprints and exits 0', () => {
    const r = runCli([
      'cert',
      'check',
      pfx,
      '--password-file',
      passwordFile,
      '--trust',
      set.root.certPath,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(set.leaf.sha256);
    expect(r.stdout).toContain(set.leaf.thumbprint);
    expect(r.stdout).toContain('DNS:*.example.com');
    expect(r.stdout).toMatch(/✓ chain-trust\s+the chain builds to "certroll test root"/);
    expect(r.stdout).toContain('Certificate gate passed.');
    expect(r.stdout).not.toContain('\u001b[');
  });

  it('takes the password from an environment variable', () => {
    const r = runCli(
      ['cert', 'check', pfx, '--password-env', 'CERTROLL_TEST_PW', '--trust', set.root.certPath],
      {
        env: { CERTROLL_TEST_PW: PASSWORD },
      },
    );
    expect(r.code).toBe(0);
  });

  it('exits 1 and marks the failed check when the gate fails', () => {
    const soon = pki.issue(
      { cn: 'soon.example.com', sans: ['soon.example.com'], days: 5 },
      set.intermediate,
    );
    const r = runCli(checkArgs(soon));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ expires-soon\s+the certificate expires in 4 days/);
    expect(r.stdout).toContain('Certificate gate FAILED: expires-soon.');
    expect(runCli(checkArgs(soon, '--min-days', '3')).code).toBe(0);
  });

  it('fails chain-trust against the bundled Mozilla store when no --trust is given', () => {
    const r = runCli(['cert', 'check', pfx, '--password-file', passwordFile]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ chain-trust.*Mozilla root store bundled with Node\.js/);
  });

  it('checks every SNI name of an inventory and names what is not covered', () => {
    const ok = runCli([
      'cert',
      'check',
      pfx,
      '--password-file',
      passwordFile,
      '--trust',
      set.root.certPath,
      '-i',
      INVENTORY,
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/✓ name-coverage\s+all 7 SNI name\(s\)/);
    const narrow = pki.issue(
      { cn: 'www.example.com', sans: ['www.example.com', 'example.com'] },
      set.intermediate,
    );
    const r = runCli(checkArgs(narrow, '-i', INVENTORY));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('staging/stg-web-01.example.internal:443 staging.example.com');
    expect(r.stdout).toContain('production/lb-01:443 shop.example.com');
  });

  it('prints a stable JSON object with --json', () => {
    const r = runCli([
      'cert',
      'check',
      pfx,
      '--password-file',
      passwordFile,
      '--trust',
      set.root.certPath,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      exitCode: number;
      certificate: { fingerprints: { sha256: string } };
      checks: { id: string; ok: boolean }[];
    };
    expect(Object.keys(out)).toEqual(['ok', 'exitCode', 'certificate', 'checks']);
    expect(out.ok).toBe(true);
    expect(out.certificate.fingerprints.sha256).toBe(set.leaf.sha256);
    expect(out.checks.every((c) => c.ok)).toBe(true);
  });

  it('exits 65 with CERT_PASSWORD on a wrong password', () => {
    const wrong = pki.write('wrong.pass', 'not-it');
    const r = runCli(['cert', 'check', pfx, '--password-file', wrong]);
    expect(r.code).toBe(65);
    expect(r.stderr).toContain('[CERT_PASSWORD]');
  });

  it('exits 65 naming both password options when an encrypted PFX is given no password', () => {
    const r = runCli(['cert', 'check', pfx]);
    expect(r.code).toBe(65);
    expect(r.stderr).toContain('--password-file');
    expect(r.stderr).toContain('--password-env');
  });

  it('has no option that takes the password as a value', () => {
    const r = runCli(['cert', 'check', pfx, '--password', PASSWORD]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("unknown option '--password'");
  });

  it('exits 64 on a --min-days that is not a whole number', () => {
    const r = runCli(['cert', 'check', pfx, '--password-file', passwordFile, '--min-days', '-3']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('--min-days');
  });

  it('exits 66 naming a missing bundle', () => {
    const r = runCli(['cert', 'check', '/nonexistent/site.pfx']);
    expect(r.code).toBe(66);
    expect(r.stderr).toContain('/nonexistent/site.pfx');
  });

  it('exits 65 on a damaged bundle', () => {
    const r = runCli([
      'cert',
      'check',
      pki.write('junk.pfx', Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff])),
    ]);
    expect(r.code).toBe(65);
    expect(r.stderr).toContain('[CERT_PARSE]');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('never prints the password, whatever happens', () => {
    const wrongWithSecret = pki.write('wrong2.pass', `${PASSWORD}-but-wrong`);
    const runs = [
      runCli(['cert', 'check', pfx, '--password-file', passwordFile, '--trust', set.root.certPath]),
      runCli(['cert', 'check', pfx, '--password-file', passwordFile, '--json']),
      runCli(['cert', 'check', pfx, '--password-env', 'PW'], { env: { PW: PASSWORD } }),
      runCli(['cert', 'check', pfx, '--password-file', wrongWithSecret]),
      runCli(['cert', 'check', pfx, '--password-file', wrongWithSecret, '--json', '--debug']),
      runCli(['cert', 'check', pki.encryptedKey(set.leaf, PASSWORD), '--password-env', 'PW'], {
        env: { PW: 'x' },
      }),
    ];
    for (const r of runs) {
      expect(r.stdout + r.stderr).not.toContain(PASSWORD);
      expect(r.stdout + r.stderr).not.toContain(Buffer.from(PASSWORD).toString('base64'));
    }
  });

  it('does not load node-forge for --help', () => {
    const script = [
      "import { createRequire } from 'node:module';",
      "const { main } = await import('./dist/cli/main.js');",
      'const io = { stdout() {}, stderr() {}, isTTY: false, env: {}, cwd: process.cwd() };',
      "await main(['--help'], io);",
      "await main(['cert', 'check', '--help'], io);",
      'const cache = Object.keys(createRequire(import.meta.url).cache);',
      "process.stdout.write(String(cache.some((k) => k.includes('node-forge'))));",
    ].join('\n');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('false');
    // The same probe sees forge once a PFX is really read (forge is for PKCS#12 only), so the
    // test can fail.
    const loaded = script.replace(
      "await main(['cert', 'check', '--help'], io);",
      `await main(['cert', 'check', ${JSON.stringify(pfx)}, '--password-file', ${JSON.stringify(passwordFile)}], io);`,
    );
    expect(
      spawnSync(process.execPath, ['--input-type=module', '-e', loaded], {
        cwd: ROOT,
        encoding: 'utf8',
      }).stdout,
    ).toBe('true');
  });

  it('lists the cert command in --help', () => {
    expect(
      execFileSync(process.execPath, ['bin/certroll.js', '--help'], {
        cwd: ROOT,
        encoding: 'utf8',
      }),
    ).toContain('cert');
  });
});
