// What a command may touch of the outside world, so tests can run commands in-process.
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** True when stdout is a terminal: tables get colour and progress is drawn. */
  readonly isTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/**
 * Stdout that a closed reader (`certroll show RUN | head`) cannot crash: EPIPE ends the output
 * quietly and the command goes on to its end (a run in progress is never cut short by a pager).
 */
function pipeSafeStdout(stream: NodeJS.WriteStream = process.stdout): (text: string) => void {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') closed = true;
    else throw error;
  });
  return (text) => {
    if (!closed) stream.write(text);
  };
}

export function processIo(): CliIo {
  return {
    stdout: pipeSafeStdout(),
    stderr: (text) => void process.stderr.write(text),
    isTTY: process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined,
    env: process.env,
    cwd: process.cwd(),
  };
}

/** Options every command understands. */
export interface GlobalOptions {
  readonly json: boolean;
  readonly debug: boolean;
  /** Errors as JSON (`--json`, `--output json`) or as a jsonl `error` event (`--output jsonl`). */
  readonly errors?: 'json' | 'jsonl';
}

/** What a command's action receives besides its own options. */
export interface CommandContext {
  readonly io: CliIo;
  readonly global: () => GlobalOptions;
  /** The command's outcome; the last one set wins. */
  setExit(code: number): void;
}
