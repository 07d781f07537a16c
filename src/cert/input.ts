// Inputs shared by every command that loads a bundle: the password (never an argument value)
// and the trust anchors (offline: files given, or the Mozilla store compiled into Node.js).
import type { X509Certificate } from 'node:crypto';
import { CertrollError } from '../errors.js';

export interface PasswordOptions {
  readonly passwordFile?: string;
  readonly passwordEnv?: string;
}

// The password is never an argument value (it would show in `ps` and shell history).
export async function readPassword(
  options: PasswordOptions,
  env: Readonly<Record<string, string | undefined>>,
  maxBytes: number,
): Promise<string | undefined> {
  if (options.passwordFile !== undefined && options.passwordEnv !== undefined) {
    throw new CertrollError('USAGE', 'give --password-file or --password-env, not both');
  }
  if (options.passwordEnv !== undefined) {
    const value = env[options.passwordEnv];
    if (value === undefined) {
      throw new CertrollError(
        'CERT_PASSWORD',
        `environment variable ${options.passwordEnv} (--password-env) is not set`,
        {
          hint: 'Export the variable before running certroll, or use --password-file FILE.',
        },
      );
    }
    return value;
  }
  if (options.passwordFile !== undefined) {
    const [{ readInput }, { assertSecretFileMode }] = await Promise.all([
      import('./read-input.js'),
      import('../secret-file.js'),
    ]);
    // The same rule as the inventory's secret files: only the owner may read it.
    assertSecretFileMode(options.passwordFile, 'password file');
    const text = readInput(options.passwordFile, 'password file', maxBytes).toString('utf8');
    // Editors and `echo` add one final newline; it is never part of the password.
    return text.replace(/\r?\n$/, '');
  }
  return undefined;
}

export async function trustAnchors(
  files: readonly string[],
  loadCertificates: (path: string, what?: string) => X509Certificate[],
): Promise<{ anchors: X509Certificate[]; source: string }> {
  if (files.length > 0) {
    return {
      anchors: files.flatMap((f) => loadCertificates(f, 'trust file')),
      source: files.join(', '),
    };
  }
  // Offline by design: the Mozilla root store compiled into Node.js, never a network fetch.
  const [{ rootCertificates }, { X509Certificate }] = await Promise.all([
    import('node:tls'),
    import('node:crypto'),
  ]);
  return {
    anchors: rootCertificates.map((pem) => new X509Certificate(pem)),
    source: 'the Mozilla root store bundled with Node.js',
  };
}
