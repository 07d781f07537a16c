// The certificate module: load a PFX or PEM bundle, describe it, run the certificate gate,
// and repack it as a PFX for a target host. No network, no processes: inputs are files.
export { loadBundle, loadCertificates } from './load.js';
export { MAX_INPUT_BYTES } from './read-input.js';
export {
  fingerprints,
  normalizeFingerprint,
  sha256Hex,
  type Fingerprints,
} from './fingerprints.js';
export {
  describe,
  keyInfo,
  signatureAlgorithm,
  type BundleDescription,
  type KeyInfo,
} from './describe.js';
export {
  checkBundle,
  gatePassed,
  DEFAULT_MIN_DAYS,
  type Check,
  type CheckId,
  type GateOptions,
} from './gate.js';
export {
  sanCovers,
  subjectAltNames,
  inventoryCoverage,
  type Coverage,
  type UncoveredName,
} from './names.js';
export { repackPfx, type PfxEncoding, type RepackOptions } from './repack.js';
export { pfxEncryptionFor, AES_PFX_MIN_BUILD, type WindowsHostFacts } from './pfx-encryption.js';
export type { Bundle, BundleInput, BundleNote, BundleFormat } from './types.js';
