// `certroll plan`, `apply`, `rollout` and `resume`. Registration only; the work loads when a
// command runs (src/cli/rollout/run-commands.ts).
import { type Command, InvalidArgumentError } from 'commander';
import { DURATION, durationMs } from '../../inventory/duration.js';
import { type CommandContext } from '../io.js';
import { OUTPUT_MODES } from '../output.js';
import {
  age,
  bundleKeyOptions,
  choice,
  collect,
  days,
  passwordOptions,
  selectOptions,
  trustOption,
  wholeNumber,
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

// One soak for every environment instead of each policy's: to shorten a wait an operator has
// decided not to make (a lab, an urgent fix); the summary and the journal say it was replaced.
// `--soak`: a new flag, so no bare numbers: with its unit only, as the inventory writes a soak.
const DAY_MS = 24 * 3600_000;
export function soakDuration(value: string): string {
  const ms = value !== '' && DURATION.test(value) ? durationMs(value) : Number.NaN;
  if (!Number.isFinite(ms) || ms > DAY_MS)
    throw new InvalidArgumentError(
      'expected a duration with its unit, as the inventory writes a soak: 0s (none), 30s, 2m, 1h30m; at most 24h.',
    );
  return String(ms);
}
const soakOption = (c: Command): Command =>
  c.option(
    '--soak <duration>',
    "soak after every environment instead of its policy's (0s: no wait, no re-probe); the summary warns",
    soakDuration,
  );

// The rollout's commands, registered in the order `--help` lists them.
export function registerRollout(program: Command, ctx: CommandContext): void {
  registerPlan(program, ctx);
  registerApply(program, ctx);
  registerRolloutCommand(program, ctx);
  registerResume(program, ctx);
  registerRollback(program, ctx);
  registerPurge(program, ctx);
  registerBackups(program, ctx);
}

/** `plan`: the dry run that writes the plan. */
function registerPlan(program: Command, ctx: CommandContext): void {
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
}

/** `apply PLAN`: executes a plan. */
function registerApply(program: Command, ctx: CommandContext): void {
  soakOption(
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
    ),
  ).action(async (plan: string, options: Record<string, unknown>) => {
    const { runApply } = await import('../rollout/run-commands.js');
    ctx.setExit(await runApply(plan, options, ctx));
  });
}

/** `rollout`: plan, preview, confirm, apply in one command. */
function registerRolloutCommand(program: Command, ctx: CommandContext): void {
  replacesOptions(
    soakOption(
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
    ),
  ).action(async (options: Record<string, unknown>) => {
    const { runRolloutCommand } = await import('../rollout/run-commands.js');
    ctx.setExit(await runRolloutCommand(options, ctx));
  });
}

/** `resume RUN`: continues a run after a crash. */
function registerResume(program: Command, ctx: CommandContext): void {
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
}

/** `rollback RUN`: restores a finished run's previous bindings. */
function registerRollback(program: Command, ctx: CommandContext): void {
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
}

/** `purge [RUN]`: removes what finished runs kept on their hosts. */
function registerPurge(program: Command, ctx: CommandContext): void {
  selectOptions(
    program
      .command('purge')
      .description(
        'remove what finished runs kept on their hosts for a later rollback (backups of the previous files): one RUN, or by a retention policy',
      )
      .argument('[run]', 'run id, or a unique prefix of it (with a policy: only this run)'),
  )
    .option('--older-than <age>', 'purge backups older than this (30d, 12h, 1d12h)', age())
    .option(
      '--keep <n>',
      'keep the backups of the newest N finished runs per host; purge the rest',
      wholeNumber(0, 100_000),
    )
    .option('--dry-run', 'list what would be purged and why; touch nothing', false)
    .option('-y, --yes', 'purge by policy without asking (for automation)', false)
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .action(async (run: string | undefined, options: Record<string, unknown>) => {
      const { runPurgeFinished } = await import('../rollout/finished-run.js');
      ctx.setExit(await runPurgeFinished(run, options, ctx));
    });
}

/** `backups [RUN]`: lists what runs kept on their hosts. */
function registerBackups(program: Command, ctx: CommandContext): void {
  program
    .command('backups')
    .description(
      'list what each run kept on its hosts for a later rollback, newest run first: files, age, purged or not (reads the run folders; connects to nothing unless --check)',
    )
    .argument('[run]', 'only this run (id, or a unique prefix of it)')
    .option(
      '--check',
      'also list what is really in each backup folder on the hosts (read-only); exit 1 where it disagrees',
      false,
    )
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .action(async (run: string | undefined, options: { stateDir?: string; check?: boolean }) => {
      const { showBackups } = await import('../backups-view.js');
      ctx.setExit(await showBackups(ctx, run, options));
    });
}
