// Seeds the simulated LocalMachine certificate store (store/LocalMachine/<Store>/<THUMB>.*) from
// lab PKI certificates, in the layout Import-PfxCertificate of the simulation writes.
import { createPrivateKey } from 'node:crypto';
import type { Issued } from '../pki.js';
import type { SimRoot } from './pwsh-local.js';

export interface KeyMeta {
  keyAcl: string[];
  keyAlgorithm: 'RSA' | 'EC';
  keySpec: 'exchange' | 'signature';
  exportable: boolean;
  friendlyName: string;
}

export const DEFAULT_KEY_ACL = ['NT AUTHORITY\\SYSTEM', 'BUILTIN\\Administrators'];

/** Puts `cert` into `store` (with its key unless `withKey` is false). */
export function writeStoreCert(
  sim: SimRoot,
  cert: Issued,
  options: { store?: string; withKey?: boolean; meta?: Partial<KeyMeta> } = {},
): void {
  const dir = `store/LocalMachine/${options.store ?? 'My'}`;
  sim.writeText(`${dir}/${cert.thumbprint}.cer`, cert.certPem);
  if (options.withKey === false) return;
  const pkcs8 = createPrivateKey(cert.keyPem).export({ type: 'pkcs8', format: 'pem' }).toString();
  sim.writeText(`${dir}/${cert.thumbprint}.key`, pkcs8, 0o600);
  const ec = cert.x509.publicKey.asymmetricKeyType === 'ec';
  const meta: KeyMeta = {
    keyAcl: [...DEFAULT_KEY_ACL],
    keyAlgorithm: ec ? 'EC' : 'RSA',
    keySpec: ec ? 'signature' : 'exchange',
    exportable: false,
    friendlyName: '',
    ...options.meta,
  };
  sim.writeJson(`${dir}/${cert.thumbprint}.json`, meta);
}
