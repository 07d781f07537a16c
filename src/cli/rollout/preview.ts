// The plan preview a person reads before approving: grouped by environment, host and port,
// current certificate -> new one, and what will happen.
import { type PlanDocument } from './plan-doc.js';

const short = (sha: string | undefined) =>
  sha === undefined ? 'no answer' : `${sha.slice(0, 12)}…`;

export function renderPreview(plan: PlanDocument): string {
  const lines: string[] = [];
  lines.push(`certificate ${plan.bundle.subject.replace(/\n/g, ', ')}`);
  lines.push(
    `  sha256 ${plan.bundle.sha256}  thumbprint ${plan.bundle.thumbprint}  expires ${plan.bundle.notAfter}`,
  );
  let change = 0;
  let current = 0;
  for (const e of plan.environments) {
    lines.push(`environment ${e.name}`);
    for (const h of e.hosts) {
      lines.push(`  ${h.name} (${h.address})`);
      for (const b of h.bindings) {
        const names = b.sni.length > 0 ? b.sni.join(',') : '(no SNI)';
        const what =
          b.action !== 'replace'
            ? 'already serves the new certificate'
            : b.current === plan.bundle.sha256
              ? // A unit is bound as a whole (src/plan/units.ts): this port is rebound with the
                // ports that share its files.
                'already serves the new certificate; rebound with the ports sharing its files'
              : `${short(b.current)} -> ${short(plan.bundle.sha256)}`;
        lines.push(
          `    :${String(b.port).padEnd(5)} ${b.kind.padEnd(15)} ${names.padEnd(28)} ${what}`,
        );
        if (b.action === 'replace') change++;
        else current++;
      }
    }
  }
  lines.push(`${change} binding(s) to change, ${current} already current.`);
  return `${lines.join('\n')}\n`;
}
