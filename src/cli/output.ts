// How a command speaks to a program rather than a person: `--json` (or `--output json`) prints
// one JSON document on stdout when the command ends; `--output jsonl` prints a JSON Lines event
// stream while it runs, one event per step, ending with the same outcome as an `outcome` event.
// The events are documented in docs/json-events.md and docs/json-events.schema.json.
import { type CliIo, type CommandContext } from './io.js';

export type OutputMode = 'text' | 'json' | 'jsonl';

export const OUTPUT_MODES: readonly OutputMode[] = ['text', 'json', 'jsonl'];

/** The event stream's format version; a field removed or changed in meaning bumps it. */
export const EVENT_VERSION = 1;

export function outputMode(options: Record<string, unknown>, ctx: CommandContext): OutputMode {
  const asked = options['output'];
  if (asked === 'jsonl' || asked === 'json' || asked === 'text') return asked;
  return ctx.global().json ? 'json' : 'text';
}

export interface EventStream {
  /** One event line on stdout (nothing in the other modes). */
  event(type: string, data: Record<string, unknown>): void;
}

export function eventStream(io: Pick<CliIo, 'stdout'>, mode: OutputMode): EventStream {
  let seq = 0;
  return {
    event(type, data) {
      if (mode !== 'jsonl') return;
      seq += 1;
      const line = { v: EVENT_VERSION, seq, time: new Date().toISOString(), type, data };
      io.stdout(`${JSON.stringify(line)}\n`);
    },
  };
}

/**
 * The command's outcome: the one document of `--json`, the last event of `--output jsonl`;
 * `text` renders it for a person instead.
 */
export function printOutcome(
  io: Pick<CliIo, 'stdout'>,
  mode: OutputMode,
  events: EventStream,
  outcome: Record<string, unknown>,
  text: () => string,
): void {
  if (mode === 'json') io.stdout(`${JSON.stringify(outcome, null, 2)}\n`);
  else if (mode === 'jsonl') events.event('outcome', outcome);
  else io.stdout(text());
}
