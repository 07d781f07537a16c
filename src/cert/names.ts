import { type X509Certificate } from 'node:crypto';
import { type Inventory } from '../inventory/model.js';

export interface SubjectAltNames {
  readonly dns: readonly string[];
  readonly ip: readonly string[];
}

const SAN_ENTRY = /(DNS|IP Address|[A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g;

/** DNS and IP entries of the subjectAltName extension (node gives it as one string). */
export function subjectAltNames(cert: X509Certificate): SubjectAltNames {
  const dns: string[] = [];
  const ip: string[] = [];
  for (const match of (cert.subjectAltName ?? '').matchAll(SAN_ENTRY)) {
    const [, type, raw = ''] = match;
    // Node quotes values that contain separators as JSON strings.
    const value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    if (type === 'DNS') dns.push(value);
    else if (type === 'IP Address') ip.push(value);
  }
  return { dns, ip };
}

function canonical(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

/**
 * RFC 6125 name matching, the strict way browsers do it: a wildcard is only the whole leftmost
 * label, stands for exactly one label, and never matches a public-suffix-like two-label name
 * (`*.com`). So `*.example.com` covers `a.example.com` but not `example.com` nor
 * `a.b.example.com`. Partial wildcards (`w*.example.com`) are not honoured.
 */
export function sanCovers(san: string, name: string): boolean {
  const pattern = canonical(san);
  const host = canonical(name);
  if (pattern === '' || host === '') return false;
  if (!pattern.startsWith('*.')) return pattern === host;
  const suffix = pattern.slice(2);
  if (suffix.includes('*') || suffix.split('.').length < 2) return false;
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot + 1) === suffix;
}

export function coveredBy(sans: SubjectAltNames, name: string): boolean {
  return sans.dns.some((san) => sanCovers(san, name));
}

export interface UncoveredName {
  readonly env: string;
  readonly host: string;
  readonly port: number;
  readonly binding: string;
  readonly name: string;
}

export interface Coverage {
  readonly checked: number;
  readonly uncovered: readonly UncoveredName[];
  /** Bindings whose clients send no SNI: nothing to match, listed so it is not silent. */
  readonly noSni: readonly string[];
}

/** Every SNI name of every binding of the inventory, against the certificate's SANs. */
export function inventoryCoverage(cert: X509Certificate, inventory: Inventory): Coverage {
  const sans = subjectAltNames(cert);
  const uncovered: UncoveredName[] = [];
  const noSni: string[] = [];
  let checked = 0;
  for (const env of inventory.environments) {
    for (const host of env.hosts) {
      for (const binding of host.bindings) {
        if (binding.probe.sni.length === 0) noSni.push(`${env.name}/${host.name}:${binding.port}`);
        for (const name of binding.probe.sni) {
          checked++;
          if (!coveredBy(sans, name)) {
            uncovered.push({
              env: env.name,
              host: host.name,
              port: binding.port,
              binding: binding.id,
              name,
            });
          }
        }
      }
    }
  }
  return { checked, uncovered, noSni };
}
