import { type Command } from 'commander';
import { type CommandContext } from '../io.js';
import { type ScanCliValues } from '../../probe/scan-options.js';
import {
  bundleKeyOptions,
  choice,
  days,
  deprecatedAlias,
  duration,
  selectOptions,
  trustOption,
  wholeNumber,
} from '../options.js';

// `certroll scan`: options here, the work in cli/scan-command.ts, imported when it runs. A bad
// command line is a usage error (exit 64) like everywhere else; 0-3 are the scan's own verdicts.
export function registerScan(program: Command, ctx: CommandContext): void {
  const scan = program
    .command('scan')
    .description(
      'Probe every endpoint of the inventory (each pool member and the VIP) and report the served certificate, expiry, chain and name; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.',
    )
    .option('-i, --inventory <path>', 'inventory file')
    .option('--endpoint <host:port>', 'scan this one endpoint instead of an inventory')
    .option(
      '--sni <name>',
      "with --endpoint: the SNI name to send ('none' for none; default: the host)",
    );
  selectOptions(scan)
    .option(
      '--expect <sha256>',
      'leaf SHA-256 every endpoint must serve (or 8+ hex digits of it, as the table prints)',
    )
    .option('--bundle <file>', 'take the expected leaf from this PFX/PEM bundle');
  bundleKeyOptions(scan);
  deprecatedAlias(scan, '--bundle-key <file>', '--key', 'key', ctx.io.stderr);
  deprecatedAlias(
    scan,
    '--bundle-password-file <file>',
    '--password-file',
    'passwordFile',
    ctx.io.stderr,
  );
  scan
    .option('--old <sha256>', 'leaf SHA-256 that must no longer be served (or 8+ hex digits of it)')
    .option('--warn-days <days>', 'WARNING when fewer days are left (default 30)', days())
    .option(
      '--crit-days <days>',
      'CRITICAL when fewer days are left (default 7, or --warn-days when that is less)',
      days(),
    )
    .addOption(
      choice(
        '--format <format>',
        'output: table, json, prometheus or nagios (status line and perfdata first; default table; json with --json)',
        // probe/scan-options.ts SCAN_FORMATS; not imported, so --help loads nothing more.
        ['table', 'json', 'prometheus', 'nagios'],
      ),
    )
    .option('--prom-file <path>', 'also write Prometheus text to this file, atomically')
    .option('--concurrency <n>', 'handshakes in flight at once', wholeNumber(1, 4096), '32')
    .option(
      '--timeout <duration>',
      'per-handshake timeout: 500ms, 5s, 1m (bare number: ms)',
      duration(50, 600_000),
      '5000',
    )
    .option('--progress', 'show progress on stderr even when it is not a terminal', false)
    .option(
      '--configured',
      'also connect to each host and compare the certificate its services load with the one served',
      false,
    );
  trustOption(scan, 'validating the served chains').action(async (options: ScanCliValues) => {
    const { runScan } = await import('../scan-command.js');
    await runScan(options, ctx);
  });
}
