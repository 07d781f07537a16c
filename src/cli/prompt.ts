// A yes/no question on the terminal. Ctrl-C at the prompt means no: readline takes the key in
// raw mode and, with nobody listening, only pauses (the question would wait forever). An abort
// of `signal` (the run was interrupted) also ends it with no.
import { createInterface } from 'node:readline/promises';
import { type Readable, type Writable } from 'node:stream';

export interface AskOptions {
  readonly signal?: AbortSignal;
  /** Default process.stdin / process.stderr; streams of their own in tests. */
  readonly input?: Readable;
  readonly output?: Writable;
  /** Treat `input` as a terminal (key handling, Ctrl-C); default: whether it is one. */
  readonly terminal?: boolean;
}

export async function askYesNo(question: string, o: AskOptions = {}): Promise<boolean> {
  const input = o.input ?? process.stdin;
  const rl = createInterface({
    input,
    output: o.output ?? process.stderr,
    terminal: o.terminal ?? (input as { isTTY?: boolean }).isTTY === true,
  });
  const ended = new AbortController();
  rl.once('SIGINT', () => ended.abort());
  rl.once('close', () => ended.abort());
  const signal = o.signal !== undefined ? AbortSignal.any([ended.signal, o.signal]) : ended.signal;
  try {
    return /^y(es)?$/i.test((await rl.question(question, { signal })).trim());
  } catch (error) {
    if (signal.aborted) {
      (o.output ?? process.stderr).write('\n');
      return false;
    }
    throw error;
  } finally {
    rl.close();
  }
}
