// The bench's printout: one line per run, then the ratios against the targets.
import { formatCosts, type HostCosts } from './costs.js';
import type { ToolRun } from './tools.js';

export interface Row {
  readonly run: ToolRun;
  /** CPU seconds the hosts' side (sshd sessions, shells, nginx) spent during the run. */
  readonly hostCpuS: number;
  readonly load: string;
  readonly endpoints: number;
  readonly verified: number;
  readonly wrong: readonly string[];
  /** What the run cost the hosts, counted from their side. */
  readonly costs: HostCosts;
}

export const passed = (r: Row): boolean => r.run.m.code === 0 && r.wrong.length === 0;

export function formatRow(r: Row): string {
  const m = r.run.m;
  const rss = m.maxRssKb === undefined ? '?' : `${(m.maxRssKb / 1024).toFixed(0)} MB`;
  const cpu = m.cpuS === undefined ? '?' : `${m.cpuS.toFixed(1)} s`;
  return [
    r.run.tool.padEnd(52),
    `${(m.wallMs / 1000).toFixed(2).padStart(7)} s`,
    `CPU ${cpu.padStart(7)}`,
    `hosts' CPU ${`${r.hostCpuS.toFixed(1)} s`.padStart(7)}`,
    `peak ${rss.padStart(7)}`,
    `exit ${String(m.code)}${m.timedOut ? ' (timed out)' : ''}`,
    `verified ${r.verified}/${r.endpoints} ${passed(r) ? 'PASS' : 'FAIL'}`,
    `(load ${r.load})${r.run.note !== undefined ? `  [${r.run.note}]` : ''}`,
  ].join('  ');
}

/** The row's costs on the hosts, indented under it. */
export const formatRowCosts = (r: Row): string => `    ${formatCosts(r.costs)}`;

/**
 * The verdict lines; returns whether every target was met. The targets: certroll's wall time at
 * most the lean script's on loopback (1.2x from 50 ms round trip up, where each sequential round
 * trip counts), its hosts' CPU at most 1.5x the script's, and its peak memory under 300 MB; the
 * ratio to Ansible is printed.
 */
export function verdicts(rows: readonly Row[], log: (line: string) => void, rttMs = 0): boolean {
  const [certroll, lean] = rows as [Row, Row];
  const ansible = rows.find((r) => r.run.tool.startsWith('ansible'));
  const pass = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
  const timeTarget = rttMs >= 50 ? 1.2 : 1.0;
  const vsLean = certroll.run.m.wallMs / lean.run.m.wallMs;
  log(
    `certroll time / lean script time: ${vsLean.toFixed(2)} (target <= ${timeTarget.toFixed(1)} at ${rttMs} ms round trip) ${pass(vsLean <= timeTarget)}`,
  );
  let met = vsLean <= timeTarget;
  const cpuRatio = certroll.hostCpuS / Math.max(lean.hostCpuS, 0.01);
  log(
    `certroll hosts' CPU / lean script hosts' CPU: ${cpuRatio.toFixed(2)} (target <= 1.5) ${pass(cpuRatio <= 1.5)}`,
  );
  met &&= cpuRatio <= 1.5;
  if (ansible !== undefined) {
    const vsAnsible = ansible.run.m.wallMs / certroll.run.m.wallMs;
    log(`Ansible time / certroll time: ${vsAnsible.toFixed(2)}x at ${rttMs} ms round trip`);
  }
  const rssMb = (certroll.run.m.maxRssKb ?? Infinity) / 1024;
  log(`certroll peak memory: ${rssMb.toFixed(0)} MB (target < 300 MB) ${pass(rssMb < 300)}`);
  met &&= rssMb < 300;
  for (const r of rows.filter((x) => x.run.tool.includes('what-if'))) {
    const w = r.run.m.wallMs;
    const vsA =
      ansible === undefined ? '' : `, Ansible ${(ansible.run.m.wallMs / w).toFixed(2)}x its time`;
    const what = r.run.tool.split('what-if: ')[1] ?? '';
    log(
      `  what-if ${what}: ${(w / lean.run.m.wallMs).toFixed(2)} x the lean script${vsA} (not certroll as shipped)`,
    );
  }
  const allOk = rows.every(passed);
  log(`every tool ended with every port serving the new certificate: ${allOk ? 'yes' : 'NO'}`);
  return allOk && met;
}
