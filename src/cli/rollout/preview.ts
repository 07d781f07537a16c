// The plan preview a person reads before approving: grouped by environment, host and port,
// current certificate -> new one, and what will happen.
import { RUN_ID_PLACEHOLDER, type PlannedUnit } from '../../plan/commands.js';
import { type PlanDocument } from '../../plan/document.js';

export interface PreviewOptions {
  /** Also print the commands each host's units will run (`--commands`). */
  readonly commands?: boolean;
}

const block = (text: string, indent: string): string[] =>
  text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => `${indent}| ${l}`);

function renderUnit(u: PlannedUnit, ports: ReadonlyMap<string, number>): string[] {
  const which = u.bindings.map((id) => `:${ports.get(id) ?? id}`).join(' ');
  const lines = [`    commands for ${which}:`];
  for (const c of u.commands) {
    lines.push(
      `      ${c.step}${c.step === 'rollback' ? ' (only if the unit cannot be proven)' : ''}`,
    );
    if (c.prepare !== undefined) lines.push(...block(c.prepare, '        '));
    for (const f of c.files ?? [])
      lines.push(`        file ${f.path} (mode ${f.mode}, ${f.bytes} bytes, contents not shown)`);
    if (c.stdin !== undefined) lines.push(`        stdin ${JSON.stringify(c.stdin)}`);
    lines.push(...block(c.script, '        '));
  }
  return lines;
}

// The current certificate's expiry, where the plan's probe saw it: what the change replaces in time.
const expires = (notAfter: string | undefined) =>
  notAfter === undefined ? '' : ` (current expires ${notAfter.slice(0, 10)})`;

const short = (sha: string | undefined) =>
  sha === undefined ? 'no answer' : `${sha.slice(0, 12)}…`;

export function renderPreview(plan: PlanDocument, options: PreviewOptions = {}): string {
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
              : `${short(b.current)} -> ${short(plan.bundle.sha256)}${expires(b.currentNotAfter)}`;
        lines.push(
          `    :${String(b.port).padEnd(5)} ${b.kind.padEnd(15)} ${names.padEnd(28)} ${what}`,
        );
        if (b.action === 'replace') change++;
        else current++;
      }
      if (options.commands === true) {
        const ports = new Map(h.bindings.map((b) => [b.id, b.port]));
        for (const u of h.units ?? []) lines.push(...renderUnit(u, ports));
      }
    }
    for (const p of e.pools ?? []) {
      const drained = p.balancer !== undefined ? `, each drained through ${p.balancer}` : '';
      lines.push(
        `  pool ${p.name}: members ${p.members.join(', ')}${drained}; then checked whole: every member directly, ${p.vipSamples} handshake(s) per name to ${p.vips.join(', ') || 'no VIP'}; after a member fails: ${p.onMemberFailure}`,
      );
    }
  }
  if (options.commands === true)
    lines.push(
      `(${RUN_ID_PLACEHOLDER} stands for the run's id; key material and passwords are never shown.)`,
    );
  lines.push(`${change} binding(s) to change, ${current} already current.`);
  return `${lines.join('\n')}\n`;
}
