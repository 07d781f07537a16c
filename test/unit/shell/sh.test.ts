import { describe, expect, it } from 'vitest';
import { shQuote } from '../../../src/shell/quote.js';
import { putFileScript, removeScript, sudoWrap, tempPathFor } from '../../../src/shell/sh.js';

describe('sh scripts the transports send', () => {
  it('quotes the path and temp name, ends options with --, and never contains data', () => {
    const s = putFileScript('-rf $(x)', 0o600, '-rf $(x).certroll-ab.tmp');
    expect(s).toContain(`p=${shQuote('-rf $(x)')}`);
    expect(s).toContain('mv -f -- "$t" "$p"');
    expect(s).toContain('umask 0177');
    expect(s).toContain('set -C');
  });

  it('sets a umask that creates the temp file with exactly the requested permission bits', () => {
    expect(putFileScript('/k', 0o400)).toContain('umask 0377');
    expect(putFileScript('/k', 0o644)).toContain('umask 0133');
    expect(putFileScript('/k', 0o755)).toContain('chmod 0755 -- "$t"');
  });

  it('refuses a bad mode and an empty path', () => {
    expect(() => putFileScript('/k', 0o10000)).toThrow(RangeError);
    expect(() => putFileScript('', 0o600)).toThrow(RangeError);
    expect(() => removeScript('')).toThrow(RangeError);
  });

  it('puts the temp file beside the target with a random name', () => {
    expect(tempPathFor('/etc/ssl/k.pem')).toMatch(
      /^\/etc\/ssl\/k\.pem\.certroll-[0-9a-f]{12}\.tmp$/,
    );
    expect(tempPathFor('/a')).not.toBe(tempPathFor('/a'));
  });

  it('wraps sudo non-interactively with the script as one quoted word', () => {
    expect(sudoWrap("echo 'hi'")).toBe(`sudo -n -- sh -c 'echo '\\''hi'\\'''`);
    expect(removeScript("/tmp/a b'c")).toBe(`rm -f -- '/tmp/a b'\\''c'`);
  });
});
