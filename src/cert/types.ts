import { type KeyObject, type X509Certificate } from 'node:crypto';

/** What to load: a PFX/PKCS#12 or PEM file, plus optional separate key and chain files. */
export interface BundleInput {
  readonly path: string;
  readonly keyPath?: string;
  readonly chainPaths?: readonly string[];
  /** The PFX password or PEM key passphrase, already read from a file or variable by the caller. */
  readonly password?: string;
}

export type BundleFormat = 'pfx' | 'pem' | 'der';

/** Something the loader changed or ignored while building the chain; reported, not fatal. */
export interface BundleNote {
  readonly kind: 'reordered' | 'unrelated' | 'duplicate';
  readonly message: string;
}

export interface Bundle {
  readonly leaf: X509Certificate;
  readonly key: KeyObject;
  /** The chain as built from the leaf upwards: chain[0] is the leaf's issuer. */
  readonly chain: readonly X509Certificate[];
  /** Certificates that were given but are not part of the leaf's chain. */
  readonly extras: readonly X509Certificate[];
  readonly notes: readonly BundleNote[];
  readonly source: { readonly format: BundleFormat; readonly files: readonly string[] };
}

/** A certificate with where it came from, before the chain is built. */
export interface SourcedCert {
  readonly cert: X509Certificate;
  readonly origin: string;
}

export interface SourcedKey {
  readonly key: KeyObject;
  readonly origin: string;
}

/** What one file held. */
export interface Parsed {
  readonly certs: readonly SourcedCert[];
  readonly keys: readonly SourcedKey[];
}
