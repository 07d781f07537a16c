// The Node flags a busy command restarts itself with (bin/launch-flags.js).
import { describe, expect, it } from 'vitest';
import { launchFlags } from '../../../bin/launch-flags.js';

const flags = (args: string[], nodeArgs: string[] = [], v8 = '13.6.233.17-node.53'): string[] =>
  (launchFlags as (o: object) => string[])({ args, nodeArgs, v8 });

const BOTH = ['--max-semi-space-size=4', '--heap-growing-percent=50'];

describe('launchFlags', () => {
  it('gives the commands that talk to many hosts both heap flags', () => {
    for (const c of ['plan', 'apply', 'rollout', 'resume', 'rollback', 'purge', 'discover', 'scan'])
      expect(flags([c, '-i', 'inv.yaml'])).toEqual(BOTH);
    expect(flags(['--json', 'rollout', '-i', 'inv.yaml'])).toEqual(BOTH);
  });

  it('leaves a one-endpoint scan (a monitoring check) as started', () => {
    expect(flags(['scan', '--endpoint', 'web-01:443', '--sni', 'www.example.com'])).toEqual([]);
    expect(flags(['scan', '--endpoint=web-01:443'])).toEqual([]);
    expect(flags(['scan', '-i', 'inv.yaml', '--env', 'prod'])).toEqual(BOTH);
  });

  it('leaves other commands as started', () => {
    expect(flags(['demo'])).toEqual([]);
    expect(flags(['cert', 'inspect', 'b.pem'])).toEqual([]);
    expect(flags(['--version'])).toEqual([]);
    expect(flags([])).toEqual([]);
  });

  it('keeps a flag the user gave, and adds only the other', () => {
    expect(flags(['rollout'], ['--max-semi-space-size=16'])).toEqual(['--heap-growing-percent=50']);
    expect(flags(['rollout'], ['--heap-growing-percent=20'])).toEqual(['--max-semi-space-size=4']);
    expect(flags(['rollout'], ['--max-semi-space-size=16', '--heap-growing-percent=20'])).toEqual(
      [],
    );
  });

  it('gives nothing once restarted with them (no second restart)', () => {
    expect(flags(['rollout'], BOTH)).toEqual([]);
    expect(flags(['rollout'], ['--max-semi-space-size=4'], '15.0.1')).toEqual([]);
  });

  it('leaves an instrumented process as started', () => {
    for (const preload of [['--require', 'x'], ['-r', 'x'], ['--import=x'], ['--loader', 'x']])
      expect(flags(['rollout'], preload)).toEqual([]);
  });

  it("gives V8's own flag only to the V8 versions it was measured on", () => {
    expect(flags(['rollout'], [], '12.4.254.21-node.33')).toEqual(BOTH);
    expect(flags(['rollout'], [], '11.3.244.8-node.30')).toEqual(['--max-semi-space-size=4']);
    expect(flags(['rollout'], [], '15.0.1')).toEqual(['--max-semi-space-size=4']);
  });
});
