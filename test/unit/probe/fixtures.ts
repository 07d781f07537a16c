// Hand-made probe results for pure tests: no network, fixed clock.
import { type ScanEndpoint } from '../../../src/probe/scan-types.js';
import {
  type CertSummary,
  type ProbeFailure,
  type ProbeSuccess,
} from '../../../src/probe/types.js';

export const NOW = Date.parse('2026-06-01T00:00:00Z');
export const DAY = 86_400_000;
export const FP_A = 'a'.repeat(64);
export const FP_B = 'b'.repeat(64);

export function cert(
  sha256: string,
  daysLeft: number,
  extra: Partial<CertSummary> = {},
): CertSummary {
  const notAfterMs = NOW + daysLeft * DAY;
  return {
    sha256,
    thumbprint: 'F'.repeat(40),
    serial: '00AB12',
    subject: 'C=DE, O=Example, CN=app.test',
    issuer: 'CN=certroll test root',
    sans: ['DNS:app.test', 'DNS:www.app.test', 'IP Address:127.0.0.1'],
    notBefore: new Date(NOW - 30 * DAY).toISOString(),
    notAfter: new Date(notAfterMs).toISOString(),
    notAfterMs,
    selfIssued: false,
    ...extra,
  };
}

export function ok(leaf: CertSummary, over: Partial<ProbeSuccess> = {}): ProbeSuccess {
  return {
    ok: true,
    target: { address: '127.0.0.1', port: 443, sni: 'app.test' },
    leaf,
    chain: [],
    protocol: 'TLSv1.3',
    cipher: 'TLS_AES_256_GCM_SHA384',
    trust: { trusted: true },
    name: { name: 'app.test', matches: true },
    sessionReused: false,
    connectMs: 0.5,
    handshakeMs: 2.25,
    at: new Date(NOW).toISOString(),
    ...over,
  };
}

export function failed(
  kind: ProbeFailure['failure']['kind'],
  message = 'connect ECONNREFUSED',
): ProbeFailure {
  return {
    ok: false,
    target: { address: '127.0.0.1', port: 443, sni: 'app.test' },
    failure: { kind, message, code: 'ECONNREFUSED', phase: 'tcp' },
    elapsedMs: 1,
    at: new Date(NOW).toISOString(),
  };
}

export function endpoint(over: Partial<ScanEndpoint> = {}): ScanEndpoint {
  return {
    env: 'prod',
    host: 'web-01',
    binding: 'web-01:443',
    role: 'direct',
    member: null,
    address: '127.0.0.1',
    port: 443,
    sni: 'app.test',
    samples: 1,
    ...over,
  };
}
