// Ctrl-C (SIGINT) and SIGTERM while a run goes: the first stops it cleanly (no new host or
// environment starts; the hosts under way finish, each verified or rolled back, and the run ends
// `interrupted`); the second stops at once, as a crash would, leaving the run to
// `certroll resume RUN` (every step is journaled, so nothing is lost or done twice). `rollback
// RUN` stops the same way between hosts.
import { EXIT } from '../exit-codes.js';
import { type CliIo } from '../io.js';

export interface Interrupts {
  /** Aborted at the first signal: pass to the run as its `interrupt`. */
  readonly signal: AbortSignal;
  /** Stops listening (the run ended). */
  dispose(): void;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** What a signal stops, in the messages: a run (default) or another long command. */
export interface InterruptWords {
  /** After the first signal: what stops, and what still finishes. */
  readonly first: string;
  /** After the second: how to go on. */
  readonly second: string;
}

export const runWords = (runId: string): InterruptWords => ({
  first:
    `stopping run ${runId}: no new host starts; the hosts under way finish, each verified or ` +
    'rolled back.',
  second: `\`certroll resume ${runId}\` continues the run.`,
});

export function onInterrupts(
  io: Pick<CliIo, 'stderr'>,
  words: InterruptWords,
  // Injected in tests; the real one ends the process with the documented code.
  exit: (code: number) => void = (code) => process.exit(code),
): Interrupts {
  const first = new AbortController();
  const name = (s: NodeJS.Signals) => (s === 'SIGINT' ? 'Ctrl-C' : s);
  const handler = (s: NodeJS.Signals): void => {
    if (!first.signal.aborted) {
      io.stderr(`\n${name(s)}: ${words.first} ${name(s)} again stops at once.\n`);
      first.abort();
      return;
    }
    io.stderr(`${name(s)}: stopped at once; ${words.second}\n`);
    exit(EXIT.INTERRUPTED);
  };
  for (const s of SIGNALS) process.on(s, handler);
  return {
    signal: first.signal,
    dispose: () => {
      for (const s of SIGNALS) process.off(s, handler);
    },
  };
}
