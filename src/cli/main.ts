// The CLI entry. It must stay cheap: `--version` and `--help` load commander and nothing else;
// every command's implementation is imported only when that command runs.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { type CliIo, type CommandContext, type GlobalOptions, processIo } from './io.js';
import { CertrollError } from '../errors.js';
import { EXIT } from './exit-codes.js';
import { reportError } from './report-error.js';
import { registerCommands } from './commands/index.js';

function packageVersion(): string {
  const raw = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(raw) as { version: string }).version;
}

/**
 * How errors are reported, from the raw arguments: a usage error happens before commander has
 * parsed anything, and must still come as JSON to a program that asked for JSON.
 */
export function errorFormat(argv: readonly string[]): 'text' | 'json' | 'jsonl' {
  const at = argv.indexOf('--output');
  const output = at >= 0 ? argv[at + 1] : argv.find((a) => a.startsWith('--output='))?.slice(9);
  if (output === 'jsonl') return 'jsonl';
  return output === 'json' || argv.includes('--json') ? 'json' : 'text';
}

export function buildProgram(
  ctx: CommandContext,
  errors: 'text' | 'json' | 'jsonl' = 'text',
): Command {
  const program = new Command('certroll')
    .description(
      'Roll a TLS certificate out to every port of every host, prove on the wire that each port serves it, and roll back what cannot be proven.',
    )
    .version(packageVersion(), '-V, --version')
    .option('--json', 'machine-readable output on stdout', false)
    .option('--debug', 'show stack traces for internal errors', false)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout(s),
      writeErr: (s) => ctx.io.stderr(s),
      // Commander prints usage errors itself; keep its text, our catch adds the exit code. With
      // --json the catch prints the error as JSON instead.
      outputError: (s, write) => {
        if (errors === 'text') write(s);
      },
    });
  registerCommands(program, ctx);
  return program;
}

export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exit: number = EXIT.OK;
  let program: Command | undefined;
  const errors = errorFormat(argv);
  const global = (): GlobalOptions => {
    const opts = program?.opts<{ json?: boolean; debug?: boolean }>() ?? {};
    return {
      json: opts.json === true,
      debug: opts.debug === true,
      ...(errors !== 'text' ? { errors } : {}),
    };
  };
  const ctx: CommandContext = {
    io,
    global,
    setExit: (code) => {
      exit = code;
    },
  };
  try {
    program = buildProgram(ctx, errors);
    await program.parseAsync([...argv], { from: 'user' });
    return exit;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      if (error.exitCode === 0) return EXIT.OK;
      if (errors === 'text') return EXIT.USAGE;
      const usage = new CertrollError('USAGE', error.message.replace(/^error: /, ''), {
        hint: 'See certroll --help, or certroll COMMAND --help.',
      });
      return reportError(usage, io, global());
    }
    return reportError(error, io, global());
  }
}
