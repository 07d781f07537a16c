// The probe's vocabulary: what is probed, what a probe saw, and how it failed. A result is a
// discriminated union so that "no answer" can never be read as a pass.

/** One TLS endpoint to probe: `address:port`, with the SNI name to send (null: send none). */
export interface ProbeTarget {
  readonly address: string;
  readonly port: number;
  /** SNI name to send; null sends no SNI. Never an IP address. */
  readonly sni: string | null;
  /**
   * Name checked against the served leaf when no SNI is sent (default: the address, which only
   * matches an IP SAN). Ignored when `sni` is set: the SNI name is what clients check.
   */
  readonly checkName?: string;
  /**
   * `nettcp`: TLS inside .NET Message Framing (WCF net.tcp, Business Central's client services
   * port), reached after the framing preamble's ssl-tls upgrade. Default: TLS from the first byte.
   */
  readonly protocol?: 'tls' | 'nettcp';
  /** net.tcp only: the via sent in the preamble (default `net.tcp://<name>:<port>/`). */
  readonly via?: string;
}

/** A probe's default bound for TCP connect plus TLS handshake, in ms. */
export const DEFAULT_TIMEOUT_MS = 5000;

export interface ProbeOptions {
  /** Bound for TCP connect plus TLS handshake, in ms. Default 5000. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Trusted CA certificates (PEM); default Node's bundled roots. */
  readonly trust?: readonly string[];
  /** Capture the first bytes a non-TLS peer sends (one extra connection on that failure). */
  readonly sniffNotTls?: boolean;
}

/** A certificate as certroll describes it everywhere. */
export interface CertSummary {
  /** SHA-256 of the DER, lowercase hex without separators: certroll's canonical identity. */
  readonly sha256: string;
  /** SHA-1 of the DER, uppercase hex: the Windows thumbprint. */
  readonly thumbprint: string;
  /** Serial number, uppercase hex as X509Certificate gives it. */
  readonly serial: string;
  readonly subject: string;
  readonly issuer: string;
  /** DNS names and IP addresses of the subjectAltName extension, as `DNS:x` / `IP Address:y`. */
  readonly sans: readonly string[];
  readonly notBefore: string;
  readonly notAfter: string;
  /** notAfter as epoch milliseconds. */
  readonly notAfterMs: number;
  readonly selfIssued: boolean;
}

export interface TrustVerdict {
  readonly trusted: boolean;
  /** OpenSSL's reason when untrusted (e.g. `CERT_HAS_EXPIRED`, `UNABLE_TO_GET_ISSUER_CERT_LOCALLY`). */
  readonly reason?: string;
}

export interface NameVerdict {
  /** The name checked: the SNI name, or `checkName`/the address when no SNI is sent. */
  readonly name: string;
  readonly matches: boolean;
  readonly reason?: string;
}

export interface ProbeSuccess {
  readonly ok: true;
  readonly target: ProbeTarget;
  readonly leaf: CertSummary;
  /** The chain after the leaf, as served (completed from the trust store where OpenSSL did). */
  readonly chain: readonly CertSummary[];
  /** e.g. `TLSv1.3`. */
  readonly protocol: string;
  /** e.g. `TLS_AES_256_GCM_SHA384`. */
  readonly cipher: string;
  readonly trust: TrustVerdict;
  readonly name: NameVerdict;
  /** True only if the TLS session was resumed; certroll never offers a session, so always false. */
  readonly sessionReused: boolean;
  readonly connectMs: number;
  readonly handshakeMs: number;
  readonly at: string;
}

export type FailureKind =
  | 'refused'
  | 'timeout'
  | 'reset'
  | 'not-tls'
  | 'handshake-alert'
  | 'unreachable'
  | 'dns'
  | 'aborted'
  | 'error';

export interface ProbeFailureDetail {
  readonly kind: FailureKind;
  /** The peer's (or the OS's) own words: errno text, OpenSSL alert, first bytes of a non-TLS reply. */
  readonly message: string;
  /** The Node/OpenSSL error code, e.g. `ECONNREFUSED`, `ERR_SSL_TLSV1_UNRECOGNIZED_NAME`. */
  readonly code: string;
  /** `tcp` when the connection never opened, `tls` when it did and the handshake failed. */
  readonly phase: 'tcp' | 'tls';
  /** First bytes a non-TLS peer sent, printable ASCII with escapes (not-tls only). */
  readonly peerBytes?: string;
}

export interface ProbeFailure {
  readonly ok: false;
  readonly target: ProbeTarget;
  readonly failure: ProbeFailureDetail;
  readonly elapsedMs: number;
  readonly at: string;
}

export type ProbeResult = ProbeSuccess | ProbeFailure;

/** `address:port` plus the SNI sent, for messages. */
export function describeTarget(t: ProbeTarget): string {
  const host = t.address.includes(':') ? `[${t.address}]` : t.address;
  return `${host}:${t.port} (${t.sni === null ? 'no SNI' : `SNI ${t.sni}`})`;
}
