// The host certificates a server presents, fetched with OpenSSH's own `ssh-keyscan -c` (ssh2
// cannot negotiate certificate host keys). What comes back is only a claim: host-cert.ts checks
// the CA's signature before anything is trusted, so the fetch needs no protection of its own.
import { CertrollError } from '../../errors.js';

export type FetchHostCertificates = (
  host: string,
  port: number,
  timeoutMs: number,
  signal?: AbortSignal,
) => Promise<Buffer[]>;

const CERT = /-cert-v01@openssh\.com$/u;

/**
 * The certificate blobs in ssh-keyscan's output: with -c its lines are `type base64` (no host
 * name, unlike its plain keys' `name type base64`); comments skipped.
 */
export function certificatesIn(stdout: string): Buffer[] {
  return stdout.split('\n').flatMap((line) => {
    if (line.trimStart().startsWith('#')) return [];
    const fields = line.trim().split(/\s+/u);
    const i = fields.findIndex((f) => CERT.test(f));
    const b64 = i < 0 ? undefined : fields[i + 1];
    return b64 === undefined ? [] : [Buffer.from(b64, 'base64')];
  });
}

/** ssh-keyscan -c as a FetchHostCertificates (`binary`: another path, for tests). */
export const keyscanWith =
  (binary = 'ssh-keyscan'): FetchHostCertificates =>
  async (host, port, timeoutMs, signal) => {
    // ssh-keyscan's -T counts whole seconds; execa's timeout is the hard bound on top of it.
    const seconds = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
    // Loaded on first use: only hosts with certificate host keys need it.
    const { execa } = await import('execa');
    const r = await execa(binary, ['-c', '-T', seconds, '-p', String(port), '--', host], {
      reject: false,
      timeout: timeoutMs + 2000,
      stdin: 'ignore',
      ...(signal !== undefined ? { cancelSignal: signal } : {}),
    });
    if ((r as { code?: string }).code === 'ENOENT' || r.exitCode === 127)
      throw new CertrollError(
        'TRANSPORT_HOST_KEY',
        `${host}:${port}: known_hosts trusts a certificate authority for this host, and certroll reads host certificates with ${binary}, which is not installed.`,
        {
          hint: 'Install the OpenSSH client (apt-get install openssh-client, dnf install openssh-clients), or list the host key itself in known_hosts.',
        },
      );
    return certificatesIn(r.stdout);
  };

export const keyscanCertificates = keyscanWith();
