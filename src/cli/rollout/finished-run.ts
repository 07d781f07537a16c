// `certroll rollback RUN` and `certroll purge RUN`: the use cases of src/rollout/finished-run.ts
// with Ctrl-C, the summary and an exit code.
import { resolveStateDir } from '../../journal/index.js';
import {
  loadFinishedRun,
  purgeFinished,
  rollbackFinished,
  type FinishedRunOptions,
} from '../../rollout/finished-run.js';
import { withAdapters } from '../compose.js';
import { EXIT } from '../exit-codes.js';
import { type CommandContext } from '../io.js';
import { onInterrupts } from './interrupt.js';
import { changeOf } from './run-commands.js';
import { runChange } from '../../workflow/records.js';
import { renderSummary } from './summary.js';

export type FinishedRunCliOptions = Omit<FinishedRunOptions, 'stateDir' | 'change'> & {
  readonly stateDir?: string;
  readonly operator?: string;
  readonly ticket?: string;
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
    if (outcome.status === 'nothing') {
      ctx.io.stdout(
        outcome.reason === 'already-rolled-back'
          ? 'Nothing to roll back: every selected host was rolled back by an earlier rollback of this run.\n'
          : 'Nothing to roll back: no selected binding of this run ended verified.\n',
      );
      return EXIT.OK;
    }
    const interrupted = outcome.status === 'interrupted';
    ctx.io.stdout(
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
    return outcome.status === 'needs-attention'
      ? EXIT.FAILED
      : interrupted
        ? EXIT.INTERRUPTED
        : EXIT.OK;
  });
}

export async function runPurgeFinished(
  run: string,
  cli: FinishedRunCliOptions,
  ctx: CommandContext,
): Promise<number> {
  const o = optionsOf(cli, ctx);
  return withAdapters(ctx.io.env, async (adapters) => {
    const loaded = await loadFinishedRun(run, o, adapters);
    noteChanged(loaded.inventoryChanged, loaded.plan.inventory.path, ctx);
    const results = await purgeFinished(loaded, o);
    for (const r of results) {
      if (r.error !== undefined) ctx.io.stderr(`${r.host}: purge failed: ${r.error}\n`);
      else
        ctx.io.stdout(
          `${r.host}: purged ${r.purged !== undefined && r.purged.length > 0 ? r.purged.join(', ') : 'nothing (no binding keeps backups)'}\n`,
        );
    }
    return results.every((r) => r.error === undefined) ? EXIT.OK : EXIT.FAILED;
  });
}

function noteChanged(changed: boolean, path: string, ctx: CommandContext): void {
  if (changed)
    ctx.io.stderr(
      `note: ${path} changed since the run; hosts and bindings are taken from it as it is now\n`,
    );
}
