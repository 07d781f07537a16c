import { type FailureKind, type ProbeFailureDetail } from './types.js';

// The one place where socket and OpenSSL errors become a FailureKind. The message keeps the
// peer's own words (the alert text, the errno), stripped of OpenSSL's source-file noise.

const TCP_CODES: Readonly<Record<string, FailureKind>> = {
  ECONNREFUSED: 'refused',
  ETIMEDOUT: 'timeout',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_FAIL: 'dns',
  EAI_NONAME: 'dns',
  EAI_NODATA: 'dns',
};

// OpenSSL reasons that mean the bytes received were not a TLS record at all.
const NOT_TLS = [
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_HTTP_REQUEST',
  'ERR_SSL_HTTPS_PROXY_REQUEST',
  'ERR_SSL_UNKNOWN_PROTOCOL',
  'ERR_SSL_RECORD_LENGTH_MISMATCH',
];

interface NodeError {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly syscall?: unknown;
}

/** `...:SSL routines:fn:sslv3 alert handshake failure:../deps/...:SSL alert number 40` → words. */
export function opensslReason(message: string): string {
  const parts = message.split(':');
  const reasonIdx = parts.findIndex((p) => p === 'SSL routines');
  const reason = reasonIdx >= 0 ? parts[reasonIdx + 2] : undefined;
  const alert = /SSL alert number (\d+)/.exec(message)?.[1];
  if (reason === undefined) return message.trim();
  return alert === undefined ? reason : `${reason} (alert ${alert})`;
}

export function classifyError(error: unknown, tcpOpen: boolean): ProbeFailureDetail {
  const e = (typeof error === 'object' && error !== null ? error : {}) as NodeError;
  const code = typeof e.code === 'string' ? e.code : 'UNKNOWN';
  const raw = typeof e.message === 'string' ? e.message : String(error);
  const phase = tcpOpen ? 'tls' : 'tcp';
  if (NOT_TLS.includes(code)) {
    return { kind: 'not-tls', code, phase, message: `not TLS: ${opensslReason(raw)}` };
  }
  if (code.startsWith('ERR_SSL_') && (/ALERT|UNRECOGNIZED_NAME/.test(code) || /alert/i.test(raw))) {
    return { kind: 'handshake-alert', code, phase, message: opensslReason(raw) };
  }
  const tcpKind = TCP_CODES[code];
  if (tcpKind !== undefined) {
    // "socket disconnected before secure TLS connection": the peer accepted, then hung up.
    const message =
      tcpKind === 'reset' && tcpOpen
        ? `peer closed the connection during the TLS handshake (${code})`
        : raw;
    return { kind: tcpKind, code, phase, message };
  }
  if (code.startsWith('ERR_SSL_')) {
    return { kind: 'error', code, phase, message: opensslReason(raw) };
  }
  return { kind: 'error', code, phase, message: raw };
}
