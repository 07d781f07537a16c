// Progress of a run for a person watching: a listr2 view when stderr is a terminal, plain lines
// otherwise (tests and log collectors parse those). Both read the journal's step records; neither
// may fail a run, so every call into a view is guarded and a broken view falls back to lines.
// listr2 is imported only when a terminal run starts (progress-view.ts), never for --help.
import { type CliIo } from '../io.js';
// The types live apart so that this module and the view need not import each other.
import { type Progress, type ProgressLayout, type ViewOptions } from './progress-types.js';

// apply.ts and the tests take the port from here.
export type { Progress, ProgressLayout } from './progress-types.js';

export type ProgressMode = 'plain' | 'tty';

/**
 * `CERTROLL_PROGRESS=plain|tty` wins; otherwise the listr2 view only when stderr is a terminal
 * with a width (a pseudo-terminal without a size, as `script` or some containers allocate,
 * would get one character per line).
 */
export function progressMode(
  env: Readonly<Record<string, string | undefined>>,
  stderr: { readonly isTTY?: boolean; readonly columns?: number } = process.stderr,
): ProgressMode {
  const forced = env['CERTROLL_PROGRESS'];
  if (forced === 'plain' || forced === 'tty') return forced;
  const sized = (stderr.columns ?? 0) >= 40;
  return stderr.isTTY === true && sized && env['TERM'] !== 'dumb' ? 'tty' : 'plain';
}

export interface ProgressOptions {
  readonly mode?: ProgressMode;
  /** For the terminal view: where to draw (default process.stderr) and which listr2 renderer. */
  readonly view?: ViewOptions;
}

export function createProgress(
  io: CliIo,
  layout: ProgressLayout,
  options: ProgressOptions = {},
): Progress {
  const mode = options.mode ?? progressMode(io.env);
  return mode === 'tty' ? lazyView(io, layout, options.view ?? {}) : plainProgress(io);
}

// Progress as plain lines on stderr, one per finished or failed step that matters to a person
// watching; the journal gets every record regardless.
const SHOWN = new Set([
  'connect',
  'capture',
  'bind',
  'verify',
  'rollback',
  'verifyRollback',
  'cleanup',
  'rollbackHost',
  'soak',
  'drain',
  'returnToPool',
  'poolCheck',
]);

export function plainProgress(io: CliIo): Progress {
  return {
    record(type, data) {
      if (type === 'pool') {
        io.stderr(`  ${String(data['env'])} ${String(data['text'])}\n`);
        return;
      }
      const step = typeof data['step'] === 'string' ? data['step'] : '';
      if (!SHOWN.has(step) || type === 'step-started') return;
      const where = [data['env'], data['host'], data['binding']]
        .filter((v) => typeof v === 'string')
        .join(' ');
      if (type === 'step-failed') {
        const error = data['error'] as { message?: string } | undefined;
        io.stderr(`  ${where}: ${step} failed: ${error?.message ?? 'unknown error'}\n`);
      } else if (step === 'verify' || step === 'verifyRollback') {
        const ok = data['ok'] === true;
        const observed =
          typeof data['observed'] === 'string' ? ` (serves ${data['observed'].slice(0, 12)}…)` : '';
        io.stderr(
          `  ${where}: ${step === 'verify' ? 'new certificate' : 'previous certificate'} ${ok ? 'proven' : 'NOT proven'}${observed}\n`,
        );
      } else if (step === 'poolCheck') {
        const reason = typeof data['reason'] === 'string' ? `: ${data['reason']}` : '';
        io.stderr(`  ${where}: pool check ${data['ok'] === true ? 'passed' : 'FAILED'}${reason}\n`);
      } else {
        io.stderr(`  ${where}: ${step} done\n`);
      }
    },
    notice: (text) => io.stderr(text),
    idle: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

/**
 * The listr2 view, loaded on first use. Records that arrive while it loads are replayed; if it
 * cannot load or breaks while drawing, the rest of the run is shown as plain lines.
 */
function lazyView(io: CliIo, layout: ProgressLayout, view: ViewOptions): Progress {
  const queued: [string, Record<string, unknown>][] = [];
  let current: Progress | undefined;
  let closed = false;
  const fallBack = () => {
    current = plainProgress(io);
    for (const [type, data] of queued.splice(0)) current.record(type, data);
  };
  const loading = import('./progress-view.js')
    .then((m) => {
      current = m.listrProgress(layout, { ...view, onBroken: () => (current = plainProgress(io)) });
      for (const [type, data] of queued.splice(0)) current.record(type, data);
    })
    .catch(fallBack);
  return {
    record(type, data) {
      try {
        if (current === undefined) queued.push([type, data]);
        else current.record(type, data);
      } catch {
        // A view never fails a run.
      }
    },
    notice(text) {
      try {
        if (current === undefined) io.stderr(text);
        else current.notice(text);
      } catch {
        io.stderr(text);
      }
    },
    async idle() {
      // Bounded: a view that never settles must not hold the run up.
      let timer: NodeJS.Timeout | undefined;
      const cap = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 2000);
        timer.unref();
      });
      await Promise.race([loading.then(() => current?.idle()), cap]).catch(() => undefined);
      clearTimeout(timer);
    },
    async close() {
      if (closed) return;
      closed = true;
      await loading;
      await current?.close().catch(() => undefined);
    },
  };
}
