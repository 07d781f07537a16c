import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

describe('the certroll command', () => {
  it('prints its version from package.json and exits 0', () => {
    const r = runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('prints the same version through the fast path (-V alone) and through commander', () => {
    expect(runCli(['-V']).stdout.trim()).toBe(pkg.version);
    const viaCommander = runCli(['--debug', '--version']);
    expect(viaCommander.code).toBe(0);
    expect(viaCommander.stdout.trim()).toBe(pkg.version);
  });

  it('prints help that lists its commands', () => {
    const r = runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: certroll');
  });

  it('exits 64 on an unknown option, without a stack trace', () => {
    const r = runCli(['--no-such-option']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("unknown option '--no-such-option'");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 64 on an invalid CERTROLL_MAX_CONNECTIONS, naming it, before any host is reached', () => {
    const r = runCli(['plan', '-i', 'no-such-inventory.yaml', '--cert', 'no-such.pem'], {
      env: { CERTROLL_MAX_CONNECTIONS: 'lots' },
    });
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('CERTROLL_MAX_CONNECTIONS="lots" is not a valid connection limit');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
