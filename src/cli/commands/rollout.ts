// `certroll plan`, `apply`, `rollout` and `resume`. Registration only; the work loads when a
// command runs (src/cli/rollout/run-commands.ts).
import { type Command } from 'commander';
import { type CommandContext } from '../io.js';
import { OUTPUT_MODES } from '../output.js';
import {
  bundleKeyOptions,
  choice,
  collect,
  days,
  passwordOptions,
  selectOptions,
  trustOption,
} from '../options.js';
const STATE_DIR_HELP =
  'where runs and locks live (default $CERTROLL_STATE_DIR, else $XDG_STATE_HOME/certroll)';

function bundleOptions(c: Command): Command {
  return trustOption(
    c.option('--chain <file>', 'intermediate certificates (PEM); repeatable', collect, []),
  ).option(
    '--min-days <days>',
    'refuse a certificate expiring within this many days (30 or 30d)',
    days(),
    '30',
  );
}

// Certificates being replaced besides what the bindings serve now (an older one still out there):
// the coverage gate and the sweep look for them too.
const COMMANDS_HELP =
  'also preview the commands each host will run (rendered from the capture; secrets never shown)';

function replacesOptions(c: Command): Command {
  return c
    .option(
      '--old <sha256>',
      'also replaced (SHA-256, or 8+ hex digits of one served): endpoints serving it must be bindings or excluded; repeatable',
      collect,
      [],
    )
    .option('--old-bundle <file>', 'also replaced: the certificate(s) in this PEM/PFX file');
}

// plan and rollout read the bundle named by --cert; apply and resume the one the plan names.
const secretOptions = (c: Command): Command => passwordOptions(c);

const outputOption = (c: Command): Command =>
  c.addOption(
    choice(
      '--output <format>',
      'text (default), json (one document at the end; the same as --json) or jsonl (one event per step, docs/json-events.md)',
      OUTPUT_MODES,
    ),
  );

// Who and why, kept with the run (journal, audit log, `runs`, `show`, reports).
function changeOptions(c: Command): Command {
  return c
    .option('--operator <name>', 'who runs this change (default: the OS user)')
    .option(
      '--ticket <id>',
      "the change request it belongs to, e.g. CHG-1234 (apply: default the plan's)",
    );
}

function applyOptions(c: Command): Command {
  return changeOptions(outputOption(c))
    .option(
      '--webhook <url>',
      "post the run's events here (besides the inventory's); repeatable",
      collect,
      [],
    )
    .option('--webhook-format <format>', 'json (signed), slack or teams, for --webhook', 'json')
    .option('--webhook-secret-env <variable>', "environment variable holding --webhook's HMAC key")
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .option('-y, --yes', 'approve every environment (for automation)', false)
    .option('--approve <env>', 'approve this environment; repeatable', collect, []);
}

export function registerRollout(program: Command, ctx: CommandContext): void {
  replacesOptions(
    bundleKeyOptions(
      bundleOptions(
        selectOptions(
          program
            .command('plan')
            .description(
              'dry run: gate the certificate, capture every binding on every host (read-only), write and preview the plan; exit 0 nothing to do, 2 changes planned',
            )
            .requiredOption('-i, --inventory <file>', 'inventory (YAML)')
            .requiredOption('--cert <bundle>', 'the new certificate: PFX or PEM'),
        )
          .option('-o, --output <file>', 'write the plan here (JSON)')
          .option('--commands', COMMANDS_HELP, false)
          .option('--operator <name>', 'who makes this plan (default: the OS user)')
          .option('--ticket <id>', 'the change request it is for, e.g. CHG-1234; apply keeps it'),
      ),
    ),
  ).action(async (options: Record<string, unknown>) => {
    const { runPlan } = await import('../rollout/run-commands.js');
    ctx.setExit(await runPlan(options, ctx));
  });

  applyOptions(
    secretOptions(
      trustOption(
        program
          .command('apply')
          .description(
            'execute a plan environment by environment; refuses a stale plan; rolls back what it cannot verify',
          )
          .argument('<plan>', 'a plan written by `certroll plan -o`'),
      ),
    ),
  ).action(async (plan: string, options: Record<string, unknown>) => {
    const { runApply } = await import('../rollout/run-commands.js');
    ctx.setExit(await runApply(plan, options, ctx));
  });

  replacesOptions(
    applyOptions(
      bundleKeyOptions(
        bundleOptions(
          selectOptions(
            program
              .command('rollout')
              .description('plan, preview, confirm, apply')
              .requiredOption('-i, --inventory <file>', 'inventory (YAML)')
              .requiredOption('--cert <bundle>', 'the new certificate: PFX or PEM'),
          ).option('--commands', COMMANDS_HELP, false),
        ),
      ),
    ),
  ).action(async (options: Record<string, unknown>) => {
    const { runRolloutCommand } = await import('../rollout/run-commands.js');
    ctx.setExit(await runRolloutCommand(options, ctx));
  });

  applyOptions(
    secretOptions(
      trustOption(
        program
          .command('resume')
          .description(
            'continue a run after a crash: restores its state and re-runs the interrupted step',
          )
          .argument('<run>', 'run id, or a unique prefix of it'),
      ),
    ),
  ).action(async (run: string, options: Record<string, unknown>) => {
    const { runResume } = await import('../rollout/run-commands.js');
    ctx.setExit(await runResume(run, options, ctx));
  });

  trustOption(
    selectOptions(
      outputOption(program.command('rollback'))
        .description(
          "restore a finished run's previous bindings (verified by probe), newest first; then purge its backups",
        )
        .argument('<run>', 'run id, or a unique prefix of it'),
    ),
    'the probes',
  )
    .option('--operator <name>', 'who runs this rollback (default: the OS user)')
    .option('--ticket <id>', "the change request it belongs to (default: the run's)")
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .option('-y, --yes', 'roll back without asking (for automation)', false)
    .action(async (run: string, options: Record<string, unknown>) => {
      const { runRollbackFinished } = await import('../rollout/finished-run.js');
      ctx.setExit(await runRollbackFinished(run, options, ctx));
    });

  selectOptions(
    program
      .command('purge')
      .description(
        'remove what a finished run kept on its hosts for a later rollback (backups of the previous files)',
      )
      .argument('<run>', 'run id, or a unique prefix of it'),
  )
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .action(async (run: string, options: Record<string, unknown>) => {
      const { runPurgeFinished } = await import('../rollout/finished-run.js');
      ctx.setExit(await runPurgeFinished(run, options, ctx));
    });
}
