import { describe, expect, it } from 'vitest';
import { normaliseSha256 } from '../../../src/probe/cert-summary.js';
import { checkScanValues } from '../../../src/probe/scan-options.js';

const FP = 'ab'.repeat(32);

describe('scan command values', () => {
  it('applies the defaults', () => {
    expect(checkScanValues({ inventory: 'inv.yaml' }, false)).toEqual({
      inventory: 'inv.yaml',
      warnDays: 30,
      critDays: 7,
      format: 'table',
      concurrency: 32,
      timeoutMs: 5000,
    });
    expect(checkScanValues({ inventory: 'i' }, true).format).toBe('json');
  });

  it('accepts fingerprints with colons and any case, in canonical form', () => {
    const colon = FP.toUpperCase().match(/../g)!.join(':');
    expect(checkScanValues({ inventory: 'i', expect: colon, old: FP }, false)).toMatchObject({
      expect: FP,
      old: FP,
    });
    expect(normaliseSha256(`sha256:${FP}`)).toBe(FP);
    expect(normaliseSha256('abc')).toBeUndefined();
  });

  it.each([
    [{}, 'scan needs an inventory'],
    [{ inventory: 'i', expect: 'xyz' }, '--expect xyz is not a SHA-256 fingerprint'],
    [{ inventory: 'i', expect: FP, bundle: 'b.pfx' }, 'give --expect or --bundle, not both'],
    [{ inventory: 'i', format: 'xml' }, '--format xml is not one of table, json, prometheus'],
    [
      { inventory: 'i', warnDays: '5', critDays: '7' },
      '--crit-days 7 is more than --warn-days 5: an endpoint would be CRITICAL before it is ever a WARNING',
    ],
    [{ inventory: 'i', concurrency: '0' }, '--concurrency 0 is not a whole number from 1 to 4096'],
    [{ inventory: 'i', timeout: '1.5' }, '--timeout 1.5 is not a whole number'],
  ])('refuses %j', (values, message) => {
    expect(() => checkScanValues(values, false)).toThrow(message);
  });

  it('says when --old is a thumbprint, or carries an invisible character from the certificate dialog', () => {
    const thumb = 'A909502DD82AE41433E6F83886B00D4277A32A7B';
    expect(() => checkScanValues({ inventory: 'i', old: thumb }, false)).toThrow(
      `--old ${thumb} is not a SHA-256 fingerprint: that is a SHA-1 thumbprint (40 hex digits), not the SHA-256 fingerprint (64)`,
    );
    expect(() => checkScanValues({ inventory: 'i', old: `\u200e${FP}` }, false)).toThrow(
      `--old "\\u200e${FP}" is not a SHA-256 fingerprint: it contains an invisible U+200E LEFT-TO-RIGHT MARK (copied from the certificate dialog?)`,
    );
  });

  it('moves --crit-days down with --warn-days given alone, and keeps an explicit one', () => {
    expect(checkScanValues({ inventory: 'i', warnDays: '5' }, false)).toMatchObject({
      warnDays: 5,
      critDays: 5,
    });
    expect(checkScanValues({ inventory: 'i', warnDays: '60' }, false)).toMatchObject({
      warnDays: 60,
      critDays: 7,
    });
    expect(checkScanValues({ inventory: 'i', warnDays: '5', critDays: '2' }, false)).toMatchObject({
      warnDays: 5,
      critDays: 2,
    });
  });
});
