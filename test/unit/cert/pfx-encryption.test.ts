import { describe, expect, it } from 'vitest';
import { AES_PFX_MIN_BUILD, pfxEncryptionFor } from '../../../src/cert/index.js';

describe('the PFX encryption a Windows host can import', () => {
  it.each([
    ['Server 2008 R2', 7601, '3des'],
    ['Server 2012 R2', 9600, '3des'],
    ['Server 2016', 14393, '3des'],
    ['Windows 10 / Server 1709', 16299, 'aes'],
    ['Server 2019 (1809)', 17763, 'aes'],
    ['Server 2022', 20348, 'aes'],
    ['Server 2025', 26100, 'aes'],
  ] as const)('%s (build %i) gets %s', (_name, build, want) => {
    expect(pfxEncryptionFor({ build, psVersion: '5.1.0.0' })).toBe(want);
  });

  it('is 3DES when the build is unknown or not a build number', () => {
    expect(pfxEncryptionFor({})).toBe('3des');
    expect(pfxEncryptionFor({ psVersion: '7.6.0' })).toBe('3des');
    for (const build of [0, -1, 1.5, Number.NaN]) expect(pfxEncryptionFor({ build })).toBe('3des');
  });

  it('draws the line at the first build that imports PBES2', () => {
    expect(pfxEncryptionFor({ build: AES_PFX_MIN_BUILD - 1 })).toBe('3des');
    expect(pfxEncryptionFor({ build: AES_PFX_MIN_BUILD })).toBe('aes');
  });

  it('is not changed by the PowerShell edition: both import through the OS', () => {
    for (const psVersion of ['5.1.14393.0', '7.4.6', undefined])
      expect(pfxEncryptionFor({ build: 14393, ...(psVersion ? { psVersion } : {}) })).toBe('3des');
  });

  it('forces 3DES for a host the inventory marks legacyPfx, whatever its build', () => {
    expect(pfxEncryptionFor({ build: 20348 }, true)).toBe('3des');
  });
});
