import { describe, expect, it } from 'vitest';
import { oldSet } from '../../../src/cli/discover-command.js';

const THUMB = 'A909502DD82AE41433E6F83886B00D4277A32A7B';

describe('--old of discover, plan and rollout', () => {
  it('accepts a SHA-256 fingerprint with colons', async () => {
    const fp = 'ab'.repeat(32);
    expect(await oldSet({ old: [fp.match(/../g)!.join(':')] }, '/')).toEqual(new Set([fp]));
  });

  it('says when the value is a Windows thumbprint instead', async () => {
    await expect(oldSet({ old: [THUMB] }, '/')).rejects.toThrow(
      `--old must be a SHA-256 fingerprint or a prefix of one, not ${THUMB}: that is a SHA-1 thumbprint (40 hex digits)`,
    );
  });

  it('keeps a prefix of 8 hex digits or more for the hosts to resolve, and refuses a shorter one', async () => {
    expect(await oldSet({ old: ['AB:CD:EF:01'] }, '/')).toEqual(new Set(['abcdef01']));
    await expect(oldSet({ old: ['abcdef0'] }, '/')).rejects.toThrow(
      'a prefix needs at least 8 hex digits (7 given)',
    );
  });

  it('names an invisible character pasted along', async () => {
    await expect(oldSet({ old: [`\u200e${'cd'.repeat(32)}`] }, '/')).rejects.toThrow(
      'it contains an invisible U+200E LEFT-TO-RIGHT MARK',
    );
  });
});
