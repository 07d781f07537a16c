// `certroll rollback RUN` and `certroll purge RUN`: the use cases of src/rollout/finished-run.ts
// with Ctrl-C, the summary and an exit code.
import { CertrollError } from '../../errors.js';
import { resolveStateDir } from '../../journal/index.js';
import {
  loadFinishedRun,
  purgeFinished,
  rollbackFinished,
  rollbackTargets,
  type FinishedRun,
  type FinishedRunOptions,
} from '../../rollout/finished-run.js';
import { withAdapters } from '../compose.js';
import { EXIT } from '../exit-codes.js';
import { type CommandContext } from '../io.js';
import { eventStream, outputMode, printOutcome } from '../output.js';
import { askYesNo } from '../prompt.js';
import { onInterrupts } from './interrupt.js';
import { changeOf } from './run-commands.js';
import { runChange } from '../../workflow/records.js';
import { renderSummary } from './summary.js';
import { findRun } from '../../journal/index.js';
import { assertNotLocked } from '../../rollout/run-backups.js';
import { policyOf, runPurgePolicy, type PolicyCliOptions } from './purge-policy.js';

export type FinishedRunCliOptions = Omit<FinishedRunOptions, 'stateDir' | 'change'> & {
  readonly stateDir?: string;
  readonly operator?: string;
  readonly ticket?: string;
  /** `--yes`: roll back without asking (for automation). */
  readonly yes?: boolean;
  readonly output?: string;
};

const optionsOf = (o: FinishedRunCliOptions, ctx: CommandContext): FinishedRunOptions => ({
  ...o,
  stateDir: resolveStateDir(o.stateDir, ctx.io.env),
});

export async function runRollbackFinished(
  run: string,
  cli: FinishedRunCliOptions,
  ctx: CommandContext,
): Promise<number> {
  const o = optionsOf(cli, ctx);
  return withAdapters(ctx.io.env, async (adapters) => {
    const loaded = await loadFinishedRun(run, o, adapters);
    noteChanged(loaded.inventoryChanged, loaded.plan.inventory.path, ctx);
    const id = loaded.record.paths.id;
    if (!(await confirmRollback(id, loaded, o, cli.yes === true, ctx))) {
      ctx.io.stderr('Not rolled back. No host was modified.\n');
      return EXIT.FAILED;
    }
    const change = changeOf(cli, {
      ...loaded.plan,
      change: runChange(loaded.record.journal.records) ?? loaded.plan.change,
    });
    const interrupts = onInterrupts(ctx.io, {
      first: `stopping the rollback of run ${id}: the host under way finishes; no other host starts.`,
      second: `run \`certroll rollback ${id}\` again to roll back the rest.`,
    });
    let outcome;
    try {
      outcome = await rollbackFinished(loaded, { ...o, change, interrupt: interrupts.signal });
    } finally {
      interrupts.dispose();
    }
    const mode = outputMode(cli, ctx);
    const events = eventStream(ctx.io, mode);
    if (outcome.status === 'nothing') {
      const exitCode = EXIT.OK;
      printOutcome(
        ctx.io,
        mode,
        events,
        { ok: true, exitCode, runId: id, status: 'nothing', reason: outcome.reason },
        () =>
          outcome.reason === 'already-rolled-back'
            ? 'Nothing to roll back: every selected host was rolled back by an earlier rollback of this run.\n'
            : 'Nothing to roll back: no selected binding of this run ended verified.\n',
      );
      return exitCode;
    }
    const interrupted = outcome.status === 'interrupted';
    const exitCode =
      outcome.status === 'needs-attention' ? EXIT.FAILED : interrupted ? EXIT.INTERRUPTED : EXIT.OK;
    const json = {
      ok: exitCode === EXIT.OK,
      exitCode,
      runId: id,
      status: outcome.status,
      environments: outcome.environments,
      notRolledBack: outcome.left,
    };
    printOutcome(ctx.io, mode, events, json, () =>
      renderSummary({
        runId: id,
        status:
          outcome.status === 'needs-attention'
            ? 'failed'
            : interrupted
              ? 'interrupted'
              : 'succeeded',
        environments: outcome.environments,
        notStarted: [],
        ...(interrupted
          ? {
              reason: `interrupted by the operator; not rolled back: ${outcome.left.join(', ')} (run \`certroll rollback ${id}\` again for them)`,
            }
          : {}),
      }).replace(/^rollout /m, 'rollback '),
    );
    return exitCode;
  });
}

export async function runPurgeFinished(
  run: string | undefined,
  cli: FinishedRunCliOptions & PolicyCliOptions & { olderThan?: string; keep?: string },
  ctx: CommandContext,
): Promise<number> {
  const o = optionsOf(cli, ctx);
  const policy = policyOf(cli);
  if (policy !== undefined) return runPurgePolicy(run, policy, o.stateDir, cli, ctx);
  if (run === undefined)
    throw new CertrollError('USAGE', 'purge needs a RUN or a retention policy.', {
      hint: 'Name the run (`certroll purge RUN`), or give --older-than AGE and/or --keep N; `certroll backups` lists what is kept.',
    });
  // Naming the run is the choice; --dry-run lists what its purge would remove.
  if (cli.dryRun === true) return runPurgePolicy(run, { keep: 0 }, o.stateDir, cli, ctx);
  assertNotLocked(o.stateDir, findRun(o.stateDir, run).id);
  return withAdapters(ctx.io.env, async (adapters) => {
    const loaded = await loadFinishedRun(run, o, adapters);
    noteChanged(loaded.inventoryChanged, loaded.plan.inventory.path, ctx);
    const results = await purgeFinished(loaded, o);
    const exitCode = results.every((r) => r.error === undefined) ? EXIT.OK : EXIT.FAILED;
    if (ctx.global().json) {
      const doc = { ok: exitCode === EXIT.OK, exitCode, runId: loaded.record.paths.id, results };
      ctx.io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
      return exitCode;
    }
    for (const r of results) {
      if (r.error !== undefined) ctx.io.stderr(`${r.host}: purge failed: ${r.error}\n`);
      else
        ctx.io.stdout(
          `${r.host}: purged ${r.purged !== undefined && r.purged.length > 0 ? r.purged.join(', ') : 'nothing (no binding keeps backups)'}\n`,
        );
    }
    return exitCode;
  });
}

/**
 * A rollback changes production as a rollout does, so it asks as `rollout` does: `--yes` for
 * automation; without a terminal to ask on, it refuses rather than guess.
 */
async function confirmRollback(
  id: string,
  loaded: FinishedRun,
  o: FinishedRunOptions,
  yes: boolean,
  ctx: CommandContext,
): Promise<boolean> {
  const hosts = rollbackTargets(loaded, o).targets.map((x) => `${x.env}/${x.host.host}`);
  // Nothing to restore changes nothing: the rollback says so without asking.
  if (yes || hosts.length === 0) return true;
  if (!process.stdin.isTTY) {
    throw new CertrollError(
      'USAGE',
      `Refusing to roll back run ${id} without confirmation: stdin is not a terminal.`,
      { hint: `Pass --yes to roll back ${hosts.join(', ')} without asking (for automation).` },
    );
  }
  ctx.io.stderr(
    `Rolling back run ${id}: ${hosts.join(', ')} get their previous certificates back.\n`,
  );
  return askYesNo('Roll back? [y/N] ');
}

function noteChanged(changed: boolean, path: string, ctx: CommandContext): void {
  if (changed)
    ctx.io.stderr(
      `note: ${path} changed since the run; hosts and bindings are taken from it as it is now\n`,
    );
}
