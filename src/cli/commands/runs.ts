// `certroll runs`, `certroll show RUN` and `certroll unlock LOCK-ID`: read-only views of the run
// folders and the operator's explicit removal of an environment lock. The journal code loads only
// when one of them runs.
import { type Command } from 'commander';
import { EXIT } from '../exit-codes.js';
import { type CommandContext } from '../io.js';

interface StateOptions {
  readonly stateDir?: string;
  readonly raw?: boolean;
}

const STATE_DIR_HELP =
  'where runs and locks live (default $CERTROLL_STATE_DIR, else $XDG_STATE_HOME/certroll, else ~/.local/state/certroll)';

export function registerRuns(program: Command, ctx: CommandContext): void {
  program
    .command('runs')
    .description(
      'list runs, newest last: outcome counts, duration, operator, ticket; and the environment locks held',
    )
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .action(async (options: StateOptions) => {
      const { listRuns } = await import('../runs-view.js');
      ctx.setExit(listRuns(ctx, options.stateDir));
    });

  program
    .command('show')
    .description(
      'show one run as its summary tells it: operator, ticket, outcome per binding, counts, sweep (a damaged journal: what precedes the damage, then exit 65)',
    )
    .argument('<run>', 'run id, or a unique prefix of it')
    .option('--raw', 'print the journal record by record instead', false)
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .action(async (run: string, options: StateOptions) => {
      const { showRun } = await import('../runs-view.js');
      ctx.setExit(showRun(ctx, run, options.stateDir, options.raw === true));
    });

  program
    .command('unlock')
    .description('remove an environment lock left by a dead run (never done automatically)')
    .argument('<lock-id>', 'the lock id printed by the refused run or by `certroll runs`')
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .action(async (id: string, options: StateOptions) => {
      const { unlockById } = await import('../runs-view.js');
      ctx.setExit(unlockById(ctx, id, options.stateDir) ? EXIT.OK : EXIT.FAILED);
    });
}
