// `certroll purge [RUN] --older-than AGE --keep N [--dry-run] [--yes]`: the retention policy's
// choice listed, confirmed like a rollback (a terminal, or --yes), then purged run by run.
import { CertrollError } from '../../errors.js';
import { formatAge } from '../../rollout/backups.js';
import { type RetentionChoice, type RetentionPolicy } from '../../rollout/retention.js';
import { purgeChosen, retentionChoice } from '../../rollout/run-backups.js';
import { withAdapters } from '../compose.js';
import { EXIT } from '../exit-codes.js';
import { type CommandContext } from '../io.js';
import { askYesNo } from '../prompt.js';

export interface PolicyCliOptions {
  readonly env?: readonly string[];
  readonly host?: readonly string[];
  readonly dryRun?: boolean;
  readonly yes?: boolean;
}

/** `--older-than` (milliseconds, as its parser gives it) and `--keep`, or undefined for neither. */
export function policyOf(o: { olderThan?: string; keep?: string }): RetentionPolicy | undefined {
  if (o.olderThan === undefined && o.keep === undefined) return undefined;
  return {
    ...(o.olderThan !== undefined ? { olderThanMs: Number(o.olderThan) } : {}),
    ...(o.keep !== undefined ? { keep: Number(o.keep) } : {}),
  };
}

export async function runPurgePolicy(
  run: string | undefined,
  policy: RetentionPolicy,
  stateDir: string,
  cli: PolicyCliOptions,
  ctx: CommandContext,
  now: Date = new Date(),
): Promise<number> {
  const choice = await retentionChoice({
    stateDir,
    policy,
    now,
    ...(run !== undefined ? { run } : {}),
    ...(cli.env !== undefined ? { env: cli.env } : {}),
    ...(cli.host !== undefined ? { host: cli.host } : {}),
  });
  const json = ctx.global().json;
  const listed = { purge: choice.purge.map(item), keep: choice.keep.map(item) };
  if (!json) ctx.io.stdout(choiceText(choice, now));
  if (cli.dryRun === true || choice.purge.length === 0) {
    if (json)
      ctx.io.stdout(
        `${JSON.stringify({ ok: true, exitCode: EXIT.OK, dryRun: cli.dryRun === true, ...listed }, null, 2)}\n`,
      );
    return EXIT.OK;
  }
  if (!(await confirmPurge(choice, cli.yes === true))) {
    ctx.io.stderr('Not purged. No host was modified.\n');
    return EXIT.FAILED;
  }
  const purged = await withAdapters(ctx.io.env, (adapters) =>
    purgeChosen(stateDir, choice, adapters),
  );
  const failed = purged.flatMap((p) => p.results.filter((r) => r.error !== undefined));
  const exitCode = failed.length === 0 ? EXIT.OK : EXIT.FAILED;
  if (json) {
    ctx.io.stdout(
      `${JSON.stringify({ ok: exitCode === EXIT.OK, exitCode, dryRun: false, ...listed, results: purged }, null, 2)}\n`,
    );
    return exitCode;
  }
  for (const { run: id, results } of purged)
    for (const r of results)
      if (r.error !== undefined) ctx.io.stderr(`${id} ${r.host}: purge failed: ${r.error}\n`);
      else ctx.io.stdout(`${id} ${r.host}: purged ${r.purged?.join(', ') || 'nothing'}\n`);
  return exitCode;
}

const item = ({ backup: b, reason }: RetentionChoice['purge'][number]) => ({
  run: b.run,
  env: b.env,
  host: b.host,
  takenAt: b.takenAt,
  reason,
});

function choiceText(choice: RetentionChoice, now: Date): string {
  const line = (verb: string, { backup: b, reason }: RetentionChoice['purge'][number]) =>
    `${verb} ${b.run} ${b.env}/${b.host} (taken ${formatAge(now.getTime() - Date.parse(b.takenAt))} ago): ${reason}\n`;
  const lines = [
    ...choice.purge.map((i) => line('purge', i)),
    ...choice.keep.map((i) => line('keep ', i)),
  ];
  const total = `${choice.purge.length} to purge, ${choice.keep.length} kept.\n`;
  return lines.length === 0
    ? 'No backups are kept on any host: nothing to purge.\n'
    : lines.join('') + total;
}

/** Purging takes away a later `rollback RUN`: asked as a rollback is, `--yes` for automation. */
async function confirmPurge(choice: RetentionChoice, yes: boolean): Promise<boolean> {
  if (yes) return true;
  const what = choice.purge.map((i) => `${i.backup.run} ${i.backup.host}`).join(', ');
  if (!process.stdin.isTTY) {
    throw new CertrollError(
      'USAGE',
      `Refusing to purge without confirmation: stdin is not a terminal.`,
      {
        hint: `Pass --yes to purge ${what} without asking (for automation), or --dry-run to list only.`,
      },
    );
  }
  return askYesNo(
    `Purge ${choice.purge.length} backup set(s)? Those runs can no longer be rolled back there. [y/N] `,
  );
}
