// `certroll show RUN` as people read it: who, when, for which ticket, the same table the run
// ended with (src/cli/rollout/summary.ts), its outcome counts and verdict, the sweep and a later
// `rollback RUN`. `--raw` prints the journal record by record instead; `--json` has it all.
import { type JournalRecord } from '../journal/index.js';
import { formatDuration, hostOutputs, type RunStory } from '../report/run-story.js';
import { type HostOutput } from '../workflow/types.js';
import { summaryTable } from './rollout/summary.js';

/** The hosts' outputs as the run recorded them, grouped by environment in the order they ended. */
function environmentsOf(records: readonly JournalRecord[]) {
  const envs = new Map<string, Record<string, HostOutput>>();
  for (const [where, output] of hostOutputs(records)) {
    const env = where.slice(0, where.indexOf('/'));
    const hosts = envs.get(env) ?? {};
    hosts[output.host] = output;
    envs.set(env, hosts);
  }
  return [...envs].map(([env, hosts]) => ({ env, hosts }));
}

export function countsLine(story: Pick<RunStory, 'counts'>): string {
  const c = story.counts;
  const parts = [
    `${c.verified} verified`,
    `${c.rolledBack} rolled back`,
    `${c.needsAttention} need attention`,
    `${c.skipped} skipped (already current)`,
  ];
  if (c.notStarted > 0) parts.push(`${c.notStarted} not started`);
  return parts.join(', ');
}

export function renderStory(
  story: RunStory,
  records: readonly JournalRecord[],
  outcome: string,
): string {
  const lines = [`run ${story.id}: ${outcome}`];
  lines.push(`  operator  ${story.operator ?? '(not recorded)'}`);
  lines.push(`  ticket    ${story.ticket ?? '(none)'}`);
  if (story.startedAt !== undefined) {
    const took = story.durationMs === undefined ? '' : ` (${formatDuration(story.durationMs)})`;
    lines.push(`  started   ${story.startedAt}${took}`);
  }
  lines.push(`  bindings  ${countsLine(story)}`);
  for (const e of story.environments)
    lines.push(
      `  env ${e.env}: ${e.status ?? 'not finished'}${e.reason !== undefined ? ` (${e.reason})` : ''}`,
    );
  const envs = environmentsOf(records);
  if (envs.length > 0) lines.push('', ...summaryTable({ environments: envs }));
  lines.push('', `outcome: ${story.verdict}${story.why !== undefined ? `: ${story.why}` : ''}`);
  if (story.sweep !== undefined) lines.push(story.sweep.text.trimEnd());
  const rb = story.laterRollback;
  if (rb !== undefined) {
    const who = rb.operator !== undefined ? ` by ${rb.operator}` : '';
    lines.push(`rollback RUN${who} at ${rb.at}: ${rb.status}`);
  }
  lines.push(`(the journal record by record: certroll show ${story.id} --raw)`);
  return `${lines.join('\n')}\n`;
}
