// The scan in Prometheus text exposition format, for node_exporter's textfile collector. The
// probe_* families and their extra labels follow blackbox_exporter, so existing dashboards and
// alerts (probe_ssl_earliest_cert_expiry - time() < 86400 * 14) work unchanged; certroll adds
// env/host/binding/address/port/sni/member and a few certroll_* families.
import { type ClassifiedEndpoint, type ScanReport } from '../probe/scan-types.js';
import { type CertSummary, type ProbeSuccess } from '../probe/types.js';
import { exitCodeForStatus } from './status.js';

type Labels = Readonly<Record<string, string>>;

interface Family {
  readonly name: string;
  readonly help: string;
  readonly samples: { labels: Labels; value: number }[];
}

export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatLabels(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

/** Node's `C=.., O=.., CN=..` as Go's pkix.Name.String(): most specific first, comma-joined. */
export function goDistinguishedName(dn: string): string {
  return dn.split(', ').reverse().join(',');
}

/** blackbox_exporter's version label: `TLS 1.3`. */
export function tlsVersionLabel(protocol: string): string {
  return protocol.replace(
    /^TLSv(\d)(?:\.(\d))?$/,
    (_m, a: string, b?: string) => `TLS ${a}.${b ?? '0'}`,
  );
}

function chainInfoLabels(leaf: CertSummary): Labels {
  return {
    fingerprint_sha256: leaf.sha256,
    subject: goDistinguishedName(leaf.subject),
    issuer: goDistinguishedName(leaf.issuer),
    subjectalternative: leaf.sans
      .flatMap((s) => (s.startsWith('DNS:') ? [s.slice(4)] : []))
      .join(','),
    serialnumber: leaf.serial.toLowerCase().replace(/^0+(?=.)/, ''),
  };
}

function endpointLabels(e: ClassifiedEndpoint): Labels {
  const ep = e.endpoint;
  return {
    env: ep.env,
    host: ep.host,
    binding: ep.binding,
    address: ep.address,
    port: String(ep.port),
    sni: ep.sni ?? '',
    member: ep.member ?? '',
  };
}

const STATUS_HELP = 'certroll status of the endpoint: 0 OK, 1 WARNING, 2 CRITICAL.';

/** The families in the order they are written; a family with no sample is left out. */
function newFamilies() {
  const f = (name: string, help: string): Family => ({ name, help, samples: [] });
  return {
    success: f(
      'probe_success',
      'Whether every TLS handshake to the endpoint succeeded with a trusted chain valid for the name sent.',
    ),
    expiry: f(
      'probe_ssl_earliest_cert_expiry',
      'Earliest notAfter (unix seconds) in the served chain.',
    ),
    chainInfo: f(
      'probe_ssl_last_chain_info',
      'Leaf certificate served; one series per distinct leaf.',
    ),
    version: f('probe_tls_version_info', 'TLS version negotiated.'),
    status: f('certroll_endpoint_status', STATUS_HELP),
    handshake: f(
      'certroll_handshake_seconds',
      'Slowest TLS handshake (after TCP connect) to the endpoint.',
    ),
    trusted: f(
      'certroll_chain_trusted',
      'Whether the served chain validates against the configured trust.',
    ),
    nameOk: f(
      'certroll_name_matches',
      'Whether the served leaf is valid for the SNI name (or address).',
    ),
    failure: f(
      'certroll_probe_failure_info',
      'Why a handshake failed; one series per failure kind.',
    ),
    vipSamples: f(
      'certroll_vip_samples',
      'VIP samples that served each leaf (fingerprint_sha256="" : no answer).',
    ),
    pool: f(
      'certroll_pool_consistent',
      'Whether every pool member and VIP sample served the same leaf.',
    ),
    overall: f(
      'certroll_scan_status',
      'Worst status of the scan: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.',
    ),
    time: f('certroll_scan_timestamp_seconds', 'When the scan started (unix seconds).'),
    duration: f('certroll_scan_duration_seconds', 'How long the scan took.'),
  };
}

type Families = ReturnType<typeof newFamilies>;

export function renderPrometheus(report: ScanReport): string {
  const fams = newFamilies();
  for (const e of report.endpoints) addEndpoint(fams, e);
  for (const p of report.pools) {
    const labels = { env: p.env, host: p.host, binding: p.binding, sni: p.sni ?? '' };
    fams.pool.samples.push({ labels, value: p.verdict.state === 'consistent' ? 1 : 0 });
  }
  fams.overall.samples.push({ labels: {}, value: exitCodeForStatus(report.overall) });
  fams.time.samples.push({ labels: {}, value: Math.floor(Date.parse(report.startedAt) / 1000) });
  fams.duration.samples.push({ labels: {}, value: Math.round(report.durationMs) / 1000 });
  const out: string[] = [];
  for (const fam of Object.values(fams)) {
    if (fam.samples.length === 0) continue;
    out.push(`# HELP ${fam.name} ${fam.help}`, `# TYPE ${fam.name} gauge`);
    for (const s of fam.samples)
      out.push(`${fam.name}${formatLabels(s.labels)} ${String(s.value)}`);
  }
  return `${out.join('\n')}\n`;
}

function addEndpoint(fams: Families, e: ClassifiedEndpoint): void {
  const labels = endpointLabels(e);
  const oks = e.results.filter((r): r is ProbeSuccess => r.ok);
  // As blackbox_exporter: a handshake whose chain does not verify, or whose certificate is not
  // valid for the name sent, is a failed probe, not a success with a footnote.
  const verified = oks.every((r) => r.trust.trusted && (r.name.matches || r.target.sni === null));
  fams.success.samples.push({
    labels,
    value: oks.length === e.results.length && oks.length > 0 && verified ? 1 : 0,
  });
  fams.status.samples.push({ labels, value: exitCodeForStatus(e.status) });
  if (oks.length > 0) addHandshakes(fams, labels, oks);
  const kinds = new Set(e.results.flatMap((r) => (r.ok ? [] : [r.failure.kind])));
  for (const kind of kinds) fams.failure.samples.push({ labels: { ...labels, kind }, value: 1 });
  if (e.endpoint.role === 'vip' && e.pool !== undefined) {
    for (const [fp, n] of Object.entries(e.pool.vipCounts)) {
      fams.vipSamples.samples.push({
        labels: { ...labels, fingerprint_sha256: fp === 'no-answer' ? '' : fp },
        value: n,
      });
    }
  }
}

/** What the endpoint's successful handshakes served: expiry, leaves, versions, timing, trust. */
function addHandshakes(fams: Families, labels: Labels, oks: readonly ProbeSuccess[]): void {
  const earliest = Math.min(...oks.flatMap((r) => [r.leaf, ...r.chain].map((c) => c.notAfterMs)));
  fams.expiry.samples.push({ labels, value: Math.floor(earliest / 1000) });
  const leaves = new Map(oks.map((r) => [r.leaf.sha256, r.leaf]));
  for (const leaf of leaves.values()) {
    fams.chainInfo.samples.push({ labels: { ...labels, ...chainInfoLabels(leaf) }, value: 1 });
  }
  for (const v of new Set(oks.map((r) => tlsVersionLabel(r.protocol)))) {
    fams.version.samples.push({ labels: { ...labels, version: v }, value: 1 });
  }
  const slowestMs = Math.max(...oks.map((r) => r.handshakeMs));
  fams.handshake.samples.push({ labels, value: Math.round(slowestMs * 1000) / 1e6 });
  fams.trusted.samples.push({ labels, value: oks.every((r) => r.trust.trusted) ? 1 : 0 });
  fams.nameOk.samples.push({ labels, value: oks.every((r) => r.name.matches) ? 1 : 0 });
}

/** The textfile written when a scan could not run: UNKNOWN rather than stale values. */
export function renderPrometheusUnknown(at: Date): string {
  return [
    '# HELP certroll_scan_status Worst status of the scan: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.',
    '# TYPE certroll_scan_status gauge',
    'certroll_scan_status 3',
    '# HELP certroll_scan_timestamp_seconds When the scan started (unix seconds).',
    '# TYPE certroll_scan_timestamp_seconds gauge',
    `certroll_scan_timestamp_seconds ${Math.floor(at.getTime() / 1000)}`,
    '',
  ].join('\n');
}
