import { type BundleDescription } from './describe.js';
import { type Check, gatePassed } from './gate.js';

export interface RenderOptions {
  /** Colour the marks (only when writing to a terminal). */
  readonly color: boolean;
  readonly now?: Date;
}

const DAY = 86_400_000;
const paint = (on: boolean, code: number, text: string) =>
  on ? `\u001b[${code}m${text}\u001b[0m` : text;

/** The text report of `certroll cert check`: the certificate, then one line per check. */
export function renderCheckReport(
  d: BundleDescription,
  checks: readonly Check[],
  options: RenderOptions,
): string {
  const now = options.now ?? new Date();
  const daysLeft = Math.floor((new Date(d.notAfter).getTime() - now.getTime()) / DAY);
  const sans = [...d.sans.dns.map((n) => `DNS:${n}`), ...d.sans.ip.map((n) => `IP:${n}`)];
  const rows: [string, string][] = [
    ['subject', d.subject],
    ['issuer', d.issuer],
    ['serial', d.serial],
    ['SANs', sans.length > 0 ? sans.join(', ') : '(none)'],
    ['valid', `${d.notBefore} → ${d.notAfter} (${daysLeft} days left)`],
    ['key', d.key.summary],
    ['signature', d.signatureAlgorithm],
    ['SHA-256', d.fingerprints.sha256],
    ['thumbprint', `${d.fingerprints.thumbprint} (SHA-1, Windows)`],
    ['source', `${d.source.format.toUpperCase()}: ${d.source.files.join(', ')}`],
  ];
  d.chain.forEach((c, i) =>
    rows.push([
      i === 0 ? 'chain' : '',
      `${i + 1}. ${c.subject} (until ${c.notAfter.slice(0, 10)}, ${c.signatureAlgorithm})`,
    ]),
  );
  if (d.chain.length === 0) rows.push(['chain', '(no other certificate)']);

  const lines = ['Certificate', ...rows.map(([k, v]) => `  ${k.padEnd(11)} ${v}`), '', 'Checks'];
  const width = Math.max(...checks.map((c) => c.id.length));
  for (const c of checks) {
    const mark = c.ok
      ? paint(options.color, 32, '✓')
      : c.severity === 'error'
        ? paint(options.color, 31, '✗')
        : paint(options.color, 33, '!');
    lines.push(`  ${mark} ${c.id.padEnd(width)}  ${c.message}`);
  }
  const failed = checks.filter((c) => !c.ok && c.severity === 'error').map((c) => c.id);
  const warned = checks.filter((c) => !c.ok && c.severity === 'warning').length;
  const warnText = warned > 0 ? ` (${warned} warning${warned > 1 ? 's' : ''})` : '';
  lines.push(
    '',
    gatePassed(checks)
      ? paint(options.color, 32, `Certificate gate passed${warnText}.`)
      : paint(options.color, 31, `Certificate gate FAILED: ${failed.join(', ')}${warnText}.`),
  );
  return `${lines.join('\n')}\n`;
}
