// Which PKCS#12 encryption a Windows host can import. Windows imports a PFX through Crypt32's
// PFXImportCertStore (Import-PfxCertificate and .NET's X509Certificate2 alike), and only builds
// from Windows 10 / Server 1709 (OS build 16299; Server 2019 is 17763) read PBES2 with AES-256
// and a SHA-256 MAC (wincrypt.h PKCS12_PBES2_EXPORT_PARAMS: minimum client Windows 10 1709,
// minimum server Windows Server 2019). Server 2016 (14393) and older fail with "The specified
// network password is not correct", which reads like a wrong password. Pure.
import { type PfxEncoding } from './repack.js';

/** What is known of a Windows host before its PFX is built; the preflight fills it in. */
export interface WindowsHostFacts {
  /** The OS build number (Win32_OperatingSystem.BuildNumber): 14393 is Server 2016. */
  readonly build?: number;
  /** $PSVersionTable.PSVersion, e.g. "5.1.17763.1"; informative only (see pfxEncryptionFor). */
  readonly psVersion?: string;
  /** The .NET Framework 4.x Release value (528040 and up is 4.8); the floor checks it. */
  readonly netRelease?: number;
}

/** The first OS build that imports an AES-256/SHA-256 (PBES2) PFX. */
export const AES_PFX_MIN_BUILD = 16299;

/**
 * The PFX encryption for a host: AES-256 on builds that import it, 3DES with a SHA-1 MAC
 * otherwise, and 3DES when the build is unknown. 3DES is the default because every Windows build
 * imports it (Server 2008 R2 to 2025), while an AES PFX fails on 2016 and older only when the
 * run reaches the stage step; and 3DES's weakness is brute force of the password through a
 * SHA-1 KDF, which does not apply to certroll's 192-bit random, single-use PFX password (it
 * exists only in memory and on the stage step's stdin, and the PFX is deleted after import).
 * The PowerShell version does not decide: both editions import through the same OS function.
 * `legacyPfx` (the inventory's override) forces 3DES.
 */
export function pfxEncryptionFor(facts: WindowsHostFacts, legacyPfx = false): PfxEncoding {
  if (legacyPfx) return '3des';
  const build = facts.build;
  if (build === undefined || !Number.isInteger(build) || build <= 0) return '3des';
  return build >= AES_PFX_MIN_BUILD ? 'aes' : '3des';
}
