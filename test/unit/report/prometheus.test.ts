import { describe, expect, it } from 'vitest';
import { buildReport } from '../../../src/probe/scan.js';
import {
  escapeLabelValue,
  goDistinguishedName,
  renderPrometheus,
  renderPrometheusUnknown,
  tlsVersionLabel,
} from '../../../src/report/prometheus.js';
import { DAY, FP_A, FP_B, NOW, cert, endpoint, failed, ok } from '../probe/fixtures.js';

function report() {
  const member = (name: string, address: string) =>
    endpoint({ host: 'lb-01', binding: 'lb-01:443', role: 'member', member: name, address });
  return buildReport(
    [
      { endpoint: endpoint(), results: [ok(cert(FP_A, 90))] },
      {
        endpoint: endpoint({
          host: 'web-02',
          binding: 'web-02:443',
          sni: null,
          address: '127.0.0.2',
        }),
        results: [failed('refused')],
      },
      { endpoint: member('m1', '127.0.0.3'), results: [ok(cert(FP_A, 90))] },
      {
        endpoint: member('m2', '127.0.0.4'),
        results: [ok(cert(FP_B, -1), { protocol: 'TLSv1.2' })],
      },
      {
        endpoint: endpoint({
          host: 'lb-01',
          binding: 'lb-01:443',
          role: 'vip',
          member: 'vip',
          address: '127.0.0.5',
          samples: 2,
        }),
        results: [ok(cert(FP_A, 90)), ok(cert(FP_B, -1))],
      },
    ],
    { warnDays: 30, critDays: 7, expect: FP_A, now: () => NOW },
    new Date(NOW),
    1234,
  );
}

const A_EXP = (NOW + 90 * DAY) / 1000;
const B_EXP = (NOW - DAY) / 1000;
const l = (host: string, address: string, sni: string, member: string) =>
  `env="prod",host="${host}",binding="${host}:443",address="${address}",port="443",sni="${sni}",member="${member}"`;
const W1 = l('web-01', '127.0.0.1', 'app.test', '');
const W2 = l('web-02', '127.0.0.2', '', '');
const M1 = l('lb-01', '127.0.0.3', 'app.test', 'm1');
const M2 = l('lb-01', '127.0.0.4', 'app.test', 'm2');
const V = l('lb-01', '127.0.0.5', 'app.test', 'vip');
const info = (fp: string) =>
  `fingerprint_sha256="${fp}",subject="CN=app.test,O=Example,C=DE",issuer="CN=certroll test root",subjectalternative="app.test,www.app.test",serialnumber="ab12"`;

const GOLDEN = `# HELP probe_success Whether every TLS handshake to the endpoint succeeded with a trusted chain valid for the name sent.
# TYPE probe_success gauge
probe_success{${W1}} 1
probe_success{${W2}} 0
probe_success{${M1}} 1
probe_success{${M2}} 1
probe_success{${V}} 1
# HELP probe_ssl_earliest_cert_expiry Earliest notAfter (unix seconds) in the served chain.
# TYPE probe_ssl_earliest_cert_expiry gauge
probe_ssl_earliest_cert_expiry{${W1}} ${A_EXP}
probe_ssl_earliest_cert_expiry{${M1}} ${A_EXP}
probe_ssl_earliest_cert_expiry{${M2}} ${B_EXP}
probe_ssl_earliest_cert_expiry{${V}} ${B_EXP}
# HELP probe_ssl_last_chain_info Leaf certificate served; one series per distinct leaf.
# TYPE probe_ssl_last_chain_info gauge
probe_ssl_last_chain_info{${W1},${info(FP_A)}} 1
probe_ssl_last_chain_info{${M1},${info(FP_A)}} 1
probe_ssl_last_chain_info{${M2},${info(FP_B)}} 1
probe_ssl_last_chain_info{${V},${info(FP_A)}} 1
probe_ssl_last_chain_info{${V},${info(FP_B)}} 1
# HELP probe_tls_version_info TLS version negotiated.
# TYPE probe_tls_version_info gauge
probe_tls_version_info{${W1},version="TLS 1.3"} 1
probe_tls_version_info{${M1},version="TLS 1.3"} 1
probe_tls_version_info{${M2},version="TLS 1.2"} 1
probe_tls_version_info{${V},version="TLS 1.3"} 1
# HELP certroll_endpoint_status certroll status of the endpoint: 0 OK, 1 WARNING, 2 CRITICAL.
# TYPE certroll_endpoint_status gauge
certroll_endpoint_status{${W1}} 0
certroll_endpoint_status{${W2}} 2
certroll_endpoint_status{${M1}} 0
certroll_endpoint_status{${M2}} 2
certroll_endpoint_status{${V}} 2
# HELP certroll_handshake_seconds Slowest TLS handshake (after TCP connect) to the endpoint.
# TYPE certroll_handshake_seconds gauge
certroll_handshake_seconds{${W1}} 0.00225
certroll_handshake_seconds{${M1}} 0.00225
certroll_handshake_seconds{${M2}} 0.00225
certroll_handshake_seconds{${V}} 0.00225
# HELP certroll_chain_trusted Whether the served chain validates against the configured trust.
# TYPE certroll_chain_trusted gauge
certroll_chain_trusted{${W1}} 1
certroll_chain_trusted{${M1}} 1
certroll_chain_trusted{${M2}} 1
certroll_chain_trusted{${V}} 1
# HELP certroll_name_matches Whether the served leaf is valid for the SNI name (or address).
# TYPE certroll_name_matches gauge
certroll_name_matches{${W1}} 1
certroll_name_matches{${M1}} 1
certroll_name_matches{${M2}} 1
certroll_name_matches{${V}} 1
# HELP certroll_probe_failure_info Why a handshake failed; one series per failure kind.
# TYPE certroll_probe_failure_info gauge
certroll_probe_failure_info{${W2},kind="refused"} 1
# HELP certroll_vip_samples VIP samples that served each leaf (fingerprint_sha256="" : no answer).
# TYPE certroll_vip_samples gauge
certroll_vip_samples{${V},fingerprint_sha256="${FP_A}"} 1
certroll_vip_samples{${V},fingerprint_sha256="${FP_B}"} 1
# HELP certroll_pool_consistent Whether every pool member and VIP sample served the same leaf.
# TYPE certroll_pool_consistent gauge
certroll_pool_consistent{env="prod",host="lb-01",binding="lb-01:443",sni="app.test"} 0
# HELP certroll_scan_status Worst status of the scan: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
# TYPE certroll_scan_status gauge
certroll_scan_status 2
# HELP certroll_scan_timestamp_seconds When the scan started (unix seconds).
# TYPE certroll_scan_timestamp_seconds gauge
certroll_scan_timestamp_seconds ${NOW / 1000}
# HELP certroll_scan_duration_seconds How long the scan took.
# TYPE certroll_scan_duration_seconds gauge
certroll_scan_duration_seconds 1.234
`;

describe('Prometheus textfile', () => {
  it('renders blackbox_exporter-compatible families with certroll labels (golden)', () => {
    expect(renderPrometheus(report())).toBe(GOLDEN);
  });

  it('escapes label values as the exposition format requires', () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
  });

  it('writes names and versions the way blackbox_exporter does', () => {
    expect(goDistinguishedName('C=DE, O=Example, CN=app.test')).toBe('CN=app.test,O=Example,C=DE');
    expect(tlsVersionLabel('TLSv1.3')).toBe('TLS 1.3');
    expect(tlsVersionLabel('TLSv1')).toBe('TLS 1.0');
  });

  it('says probe_success 0 for an untrusted chain or a name mismatch, as blackbox_exporter does', () => {
    const untrusted = ok(cert(FP_A, 90), { trust: { trusted: false, reason: 'SELF_SIGNED' } });
    const mismatch = ok(cert(FP_A, 90), { name: { name: 'app.test', matches: false } });
    const text = renderPrometheus(
      buildReport(
        [
          { endpoint: endpoint(), results: [untrusted] },
          { endpoint: endpoint({ host: 'web-02', binding: 'web-02:443' }), results: [mismatch] },
          {
            endpoint: endpoint({ host: 'web-03', binding: 'web-03:443' }),
            results: [ok(cert(FP_A, 90))],
          },
        ],
        { warnDays: 30, critDays: 7, now: () => NOW },
        new Date(NOW),
        1,
      ),
    );
    const success = text.split('\n').filter((line) => line.startsWith('probe_success{'));
    expect(success.map((line) => [/host="([^"]+)"/.exec(line)?.[1], line.at(-1)])).toEqual([
      ['web-01', '0'],
      ['web-02', '0'],
      ['web-03', '1'],
    ]);
  });

  it('says UNKNOWN when the scan could not run', () => {
    expect(renderPrometheusUnknown(new Date(NOW))).toContain('certroll_scan_status 3\n');
  });
});
