import { type Command } from 'commander';
import { type CommandContext } from '../io.js';
import { type ScanCliValues } from '../../probe/scan-options.js';

// `certroll scan`: options here, the work in cli/scan-command.ts, imported when it runs.
// Unknown options are let through to the action so that a bad command line ends as UNKNOWN (3),
// which is what monitoring expects of a check that could not run.
export function registerScan(program: Command, ctx: CommandContext): void {
  program
    .command('scan')
    .description(
      'Probe every endpoint of the inventory (each pool member and the VIP) and report the served certificate, expiry, chain and name; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.',
    )
    .option('-i, --inventory <path>', 'inventory file')
    .option('--env <name>', 'only this environment')
    .option('--host <name>', 'only this host')
    .option('--expect <sha256>', 'leaf SHA-256 every endpoint must serve')
    .option('--bundle <file>', 'take the expected leaf from this PFX/PEM bundle')
    .option('--bundle-key <file>', 'key file of a PEM bundle')
    .option('--bundle-password-file <file>', 'file holding the bundle password')
    .option('--old <sha256>', 'leaf SHA-256 that must no longer be served')
    .option('--warn-days <n>', 'WARNING when fewer days are left', '30')
    .option('--crit-days <n>', 'CRITICAL when fewer days are left', '7')
    .option('--format <format>', 'table, json or prometheus (default table; json with --json)')
    .option('--prom-file <path>', 'also write Prometheus text to this file, atomically')
    .option('--concurrency <n>', 'handshakes in flight at once', '32')
    .option(
      '--trust <file>',
      'CA certificates (PEM) to validate chains against, instead of Node roots',
    )
    .option('--timeout <ms>', 'per-handshake timeout in ms', '5000')
    .option('--progress', 'show progress on stderr even when it is not a terminal', false)
    .option(
      '--configured',
      'also connect to each host and compare the certificate its services load with the one served',
      false,
    )
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .action(async (options: ScanCliValues, command: Command) => {
      const { runScan } = await import('../scan-command.js');
      await runScan(options, ctx, command.args);
    });
}
