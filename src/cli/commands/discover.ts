// `certroll discover`: registration only; the work loads when the command runs.
import { type Command } from 'commander';
import { type CommandContext } from '../io.js';
import { choice, collect, days, duration, selectOptions, trustOption } from '../options.js';

export function registerDiscover(program: Command, ctx: CommandContext): void {
  const discover = program
    .command('discover')
    .description(
      "find TLS endpoints on the inventory's hosts that the inventory does not list, above all those on the old certificate; exit 0 none on the old certificate, 1 some (or a host not discovered), 2 a CRITICAL finding (a configured certificate expired or expiring)",
    )
    .requiredOption('-i, --inventory <file>', 'inventory (YAML)');
  trustOption(selectOptions(discover), 'the probes')
    .option(
      '--old <sha256>',
      'the old certificate, or 8+ hex digits of it (default: what the bindings serve now); repeatable',
      collect,
      [],
    )
    .option('--old-bundle <file>', 'take the old certificate(s) from this PEM/PFX file')
    .addOption(
      choice('--format <format>', 'table, json or yaml (default table; json with --json)', [
        'table',
        'json',
        'yaml',
      ]),
    )
    .option(
      '--crit-days <days>',
      'flag configured certificates with fewer days left (7 or 7d)',
      days(),
      '7',
    )
    .option(
      '--timeout <duration>',
      'per-handshake timeout: 500ms, 3s, 1m (bare number: ms)',
      duration(50, 600_000),
      '3000',
    )
    .action(async (options: Record<string, unknown>) => {
      const [{ runDiscover }, { withAdapters }] = await Promise.all([
        import('../discover-command.js'),
        import('../compose.js'),
      ]);
      ctx.setExit(
        await withAdapters(ctx.io.env, (a) => runDiscover(options, ctx.io, ctx.global().json, a)),
      );
    });
}
