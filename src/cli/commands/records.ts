// `certroll report`: change records for people (a plan to attach to the change request, a run
// as evidence). Registration only; the work loads when the command runs.
import { type Command } from 'commander';
import { type CommandContext } from '../io.js';

const STATE_DIR_HELP =
  'where runs live (default $CERTROLL_STATE_DIR, else $XDG_STATE_HOME/certroll, else ~/.local/state/certroll)';

export function registerRecords(program: Command, ctx: CommandContext): void {
  program
    .command('report')
    .description(
      'a change report: of a plan file (what will change, every command, policy, rollback path) or of a run (outcome per port with the handshake that proved it, rollbacks, sweep, timeline)',
    )
    .argument('<plan-or-run>', 'a plan file, a run id (or unique prefix), or a run folder')
    .option(
      '--format <format>',
      'md (pastes into a ticket) or html (one self-contained file); default from -o, else md',
    )
    .option('-o, --output <file>', 'write the report here instead of stdout')
    .option('--no-commands', 'leave out the commands each host runs')
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .action(async (target: string, options: Record<string, unknown>) => {
      const { runReport } = await import('../report-command.js');
      ctx.setExit(await runReport(target, options, ctx));
    });
}
