// The table a run ends with: one line per binding (and one per host that failed as a whole), then
// the run's status. Details stay on one line; the whole text is in the journal and the audit log.
import { type EnvironmentOutput, type RolloutOutput } from '../../workflow/index.js';

/** A detail that stays on its binding's line: the rest of a multi-line stderr is in `show RUN`. */
function oneLine(text: string): string {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length <= 1) return lines[0] ?? '';
  return `${lines[0]!.trimEnd()} (+${lines.length - 1} more line(s): certroll show RUN)`;
}

export function renderSummary(output: RolloutOutput): string {
  const lines = summaryTable(output);
  lines.push(`rollout ${output.status}${output.reason !== undefined ? `: ${output.reason}` : ''}`);
  for (const e of output.environments)
    for (const p of e.pools ?? [])
      lines.push(
        `pool ${p.name} in ${e.env}: ${p.state}${p.reason !== undefined ? ` (${oneLine(p.reason)})` : ''}`,
      );
  for (const e of output.environments)
    if (e.notStarted.length > 0)
      lines.push(`hosts not started in ${e.env}: ${e.notStarted.join(', ')}`);
  if (output.notStarted.length > 0) lines.push(`not started: ${output.notStarted.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** One line per binding (and per host that failed as a whole), in aligned columns. */
export function summaryTable(output: {
  readonly environments: readonly Pick<EnvironmentOutput, 'env' | 'hosts'>[];
}): string[] {
  const rows: string[][] = [['ENV', 'HOST', 'BINDING', 'STATUS', 'DETAIL']];
  for (const e of output.environments) {
    for (const h of Object.values(e.hosts)) {
      for (const [binding, o] of Object.entries(h.bindings)) {
        rows.push([
          e.env,
          h.host,
          binding,
          String(o.status),
          oneLine(
            o.reason ?? (o.observed !== undefined ? `serves ${o.observed.slice(0, 12)}…` : ''),
          ),
        ]);
      }
      if (h.error !== undefined && h.status !== 'verified')
        rows.push([e.env, h.host, '', h.status, oneLine(h.error.message)]);
    }
  }
  const widths = rows[0]!.map((_, i) =>
    Math.min(40, Math.max(...rows.map((r) => (r[i] ?? '').length))),
  );
  return rows.map((r) =>
    r
      .map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i] ?? 0) : c))
      .join('  ')
      .trimEnd(),
  );
}
