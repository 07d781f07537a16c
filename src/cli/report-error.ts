import { formatLocation, toCertrollError } from '../errors.js';
import { exitCodeFor } from './exit-codes.js';
import { type CliIo, type GlobalOptions } from './io.js';

// The one top-level catch: every error ends here, as text on stderr (or JSON on stdout with
// --json), with the exit code its code maps to. A stack trace only for internal errors and
// only with --debug: a user error is never a stack trace.
export function reportError(thrown: unknown, io: CliIo, global: GlobalOptions): number {
  const error = toCertrollError(thrown);
  const exit = exitCodeFor(error.code);
  const doc = { ok: false, exitCode: exit, error: error.toJSON() };
  if (global.errors === 'jsonl') {
    // The last line of the event stream (docs/json-events.md), so a reader needs one parser.
    const time = new Date().toISOString();
    io.stdout(`${JSON.stringify({ v: 1, seq: 0, time, type: 'error', data: doc })}\n`);
    return exit;
  }
  if (global.json || global.errors === 'json') {
    io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
    return exit;
  }
  const lines: string[] = [];
  const where = formatLocation(error.location);
  lines.push(
    `certroll: error [${error.code}]: ${where !== undefined ? `${where}: ` : ''}${error.message}`,
  );
  for (const detail of error.details) {
    const at = formatLocation(detail);
    lines.push(`  - ${at !== undefined ? `${at}: ` : ''}${detail.message}`);
    if (detail.hint !== undefined) lines.push(`      ${detail.hint}`);
  }
  if (error.hint !== undefined) lines.push(`  hint: ${error.hint}`);
  if (error.kind === 'internal' && global.debug) {
    const cause = error.cause instanceof Error ? error.cause : error;
    lines.push(cause.stack ?? String(cause));
  }
  io.stderr(`${lines.join('\n')}\n`);
  return exit;
}
