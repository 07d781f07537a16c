// `certroll discover`: registration only; the work loads when the command runs.
import { type Command } from 'commander';
import { type CommandContext } from '../io.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerDiscover(program: Command, ctx: CommandContext): void {
  program
    .command('discover')
    .description(
      "find TLS endpoints on the inventory's hosts that the inventory does not list, above all those on the old certificate; exit 0 none on the old certificate, 1 some (or a host not discovered), 2 a CRITICAL finding (a configured certificate expired or expiring)",
    )
    .requiredOption('-i, --inventory <file>', 'inventory (YAML)')
    .option('--env <name>', 'only this environment; repeatable', collect, [])
    .option('--host <name>', 'only this host; repeatable', collect, [])
    .option(
      '--old <sha256>',
      'the old certificate (default: what the bindings serve now); repeatable',
      collect,
      [],
    )
    .option('--old-bundle <file>', 'take the old certificate(s) from this PEM/PFX file')
    .option('--trust <file>', 'CA certificates (PEM) for the probes; repeatable', collect, [])
    .option('--format <format>', 'table, json or yaml (default table; json with --json)')
    .option('--crit-days <n>', 'flag configured certificates with fewer days left', '7')
    .option('--timeout <ms>', 'per-handshake timeout in ms', '3000')
    .action(async (options: Record<string, unknown>) => {
      const [{ runDiscover }, { withAdapters }] = await Promise.all([
        import('../../discover/command.js'),
        import('../compose.js'),
      ]);
      ctx.setExit(
        await withAdapters(ctx.io.env, (a) => runDiscover(options, ctx.io, ctx.global().json, a)),
      );
    });
}
