// `certroll report`: change records for people (a plan to attach to the change request, a run
// as evidence). Registration only; the work loads when the command runs.
import { type Command } from 'commander';
import { type CommandContext } from '../io.js';
import { days, selectOptions, trustOption } from '../options.js';
import { type RenewalsCliValues } from '../renewals-command.js';

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

  trustOption(
    selectOptions(
      program
        .command('renewals')
        .description(
          'plan the next renewals from a scan: each certificate served, where, when it expires and when to renew it; exit as scan (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)',
        )
        .option('-i, --inventory <path>', 'inventory file'),
    ),
    'the chains',
  )
    .option(
      '--configured',
      'also read what each host is configured to load (connects to hosts)',
      false,
    )
    .option(
      '--renew-at <policy>',
      'a fraction of the lifetime (2/3, 0.75) or days before expiry (30d)',
      '2/3',
    )
    .option('--warn-days <n>', 'WARNING when fewer days are left', days(), '30')
    .option('--crit-days <n>', 'CRITICAL when fewer days are left', days(), '7')
    .option('--format <format>', 'table, json or ics (iCalendar; default from -o, else table)')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(async (options: RenewalsCliValues) => {
      const { runRenewals } = await import('../renewals-command.js');
      ctx.setExit(await runRenewals(options, ctx));
    });
}
