// Configured versus served (the second outage): a service that loads a certificate other than
// the one it serves, or one that is expired or about to, fails at its next restart. Pure.
import { type CertFacts, type ConfiguredEndpoint, type Finding, type Served } from './types.js';

const DAY = 86_400_000;

export function findingsFor(
  served: readonly Served[],
  configured: readonly (ConfiguredEndpoint & { readonly cert?: CertFacts })[],
  o: { readonly now: number; readonly critDays: number },
): Finding[] {
  const out: Finding[] = [];
  const distinct = new Set(configured.map((c) => c.cert?.sha256).filter((s) => s !== undefined));
  for (const c of configured) {
    if (c.cert === undefined) {
      out.push(...thumbprintFinding(served, c));
      continue;
    }
    const where = c.certFile ?? c.thumbprint ?? c.instance ?? c.source;
    // Compare with what the names of this block serve; with one configured certificate on the
    // port, any handshake to it is a fair comparison.
    let seen = served.filter((s) => s.sni !== null && c.names.includes(s.sni));
    if (seen.length === 0 && distinct.size === 1) seen = [...served];
    if (seen.length > 0 && !seen.some((s) => s.cert.sha256 === c.cert?.sha256)) {
      const other = seen[0]!.cert.sha256;
      out.push({
        severity: 'WARNING',
        message: `configured certificate differs from the one served: ${c.source} loads ${where} (${c.cert.sha256.slice(0, 16)}), the port serves ${other.slice(0, 16)}; the next restart or reload changes what clients get`,
      });
    }
    const left = c.cert.notAfterMs;
    if (left === undefined || Number.isNaN(left)) continue;
    const date = new Date(left).toISOString().slice(0, 10);
    if (left <= o.now) {
      out.push({
        severity: 'CRITICAL',
        message: `configured certificate expired ${Math.floor((o.now - left) / DAY)} day(s) ago (${date}): ${where}; the service fails at its next restart`,
      });
    } else if (left - o.now < o.critDays * DAY) {
      out.push({
        severity: 'CRITICAL',
        message: `configured certificate expires in ${Math.floor((left - o.now) / DAY)} day(s) (${date}): ${where}`,
      });
    }
  }
  return dedupeFindings(out);
}

function dedupeFindings(list: Finding[]): Finding[] {
  const seen = new Set<string>();
  return list.filter((f) => {
    if (seen.has(f.message)) return false;
    seen.add(f.message);
    return true;
  });
}

// Windows bindings name a thumbprint only: compare it with the thumbprints served.
function thumbprintFinding(served: readonly Served[], c: ConfiguredEndpoint): Finding[] {
  if (c.thumbprint === undefined) return [];
  let seen = served.filter((s) => s.sni !== null && c.names.includes(s.sni));
  if (seen.length === 0 && c.names.length === 0) seen = served.filter((s) => s.sni === null);
  const first = seen[0];
  if (first === undefined || seen.some((s) => s.cert.thumbprint === c.thumbprint)) return [];
  return [
    {
      severity: 'WARNING',
      message: `configured certificate differs from the one served: ${c.source}${c.instance !== undefined ? ` ${c.instance}` : ''} names thumbprint ${c.thumbprint}, the port serves ${first.cert.thumbprint ?? first.cert.sha256.slice(0, 16)}`,
    },
  ];
}
