// The terminal view of a run (listr2): one task per environment, one subtask per host that has
// started, titled with the host's current step and ending verified, skipped (nothing to do) or
// failed with the reason. listr2 is task-driven and the run is not, so every task awaits a promise
// that the journal's records settle. Only progress.ts imports this module, and only lazily.
//
// Environments run one after another, each in its own Listr: between two of them the terminal is
// free, so an approval prompt is never drawn over. Nothing here may fail the run: the stream is
// wrapped so a failing write breaks only the view, and every call into listr2 is guarded.
import {
  DefaultRenderer,
  ListrLogger,
  ProcessOutput,
  SimpleRenderer,
  VerboseRenderer,
} from 'listr2';
import { EnvRun, type ListrOptionsFor } from './progress-env-run.js';
import { message, reasonOf } from './progress-host-slot.js';
import { type Progress, type ProgressLayout, type ViewOptions } from './progress-types.js';
import { safeStream } from './safe-stream.js';

/** The default renderer, allowed to draw on stderr when only stderr is a terminal. */
class StderrRenderer extends DefaultRenderer {
  static override nonTTY = true;
}

const CURSOR_SHOW = '\u001B[?25h';

export function listrProgress(layout: ProgressLayout, options: ViewOptions = {}): Progress {
  const real = options.stream ?? process.stderr;
  const terminal = options.stream === undefined;
  let broken = false;
  let current: EnvRun | undefined;
  let closing: Promise<void> = Promise.resolve();
  const runs: Promise<void>[] = [];

  const breakView = () => {
    if (broken) return;
    broken = true;
    closing = current?.end() ?? closing;
    current = undefined;
    options.onBroken?.();
  };
  const guard = (fn: () => void) => {
    if (broken) return;
    try {
      fn();
    } catch {
      breakView();
    }
  };
  // Before ProcessOutput holds writes back: a notice with no frame to show it goes out at once.
  const unheld = real.write.bind(real);
  const rawWrite = (text: string): boolean => unheld(text);
  let lastNotice: string | undefined;
  const listrOptions = listrOptionsFor(real, terminal, options.renderer ?? 'default', breakView);

  // On Ctrl-C the run's own handlers decide what happens. A run that handles it stops cleanly
  // (interrupt.ts), so the view goes on drawing; otherwise it gives the terminal back and lets the
  // signal end the process.
  const onSigint = () => {
    if (process.listenerCount('SIGINT') > 1) return;
    void closeAll();
    process.off('SIGINT', onSigint);
    if (process.listenerCount('SIGINT') === 0) process.kill(process.pid, 'SIGINT');
  };
  const onExit = () => {
    if (current !== undefined) real.write(CURSOR_SHOW);
    // Exiting mid-frame (a second Ctrl-C): the last notice would be lost in the held-back writes.
    if (current !== undefined && lastNotice !== undefined) rawWrite(`\n${lastNotice}`);
  };
  if (terminal) {
    process.on('SIGINT', onSigint);
    process.on('exit', onExit);
  }

  const { envOf, hostsOf } = indexLayout(layout);

  const endCurrent = () => {
    if (current === undefined) return;
    const ending = current.end();
    closing = ending;
    current = undefined;
  };
  const envRun = (env: string): EnvRun => {
    if (current?.env === env) return current;
    endCurrent();
    const run = new EnvRun(env, hostsOf.get(env) ?? [], listrOptions, guard);
    runs.push(run.done);
    current = run;
    return run;
  };
  const views: EnvViews = { envRun, endCurrent };
  const closeAll = async () => {
    endCurrent();
    await Promise.all(runs);
    await closing;
    if (terminal) {
      process.off('SIGINT', onSigint);
      process.off('exit', onExit);
    }
  };

  return {
    record(type, data) {
      guard(() => route(type, data, envOf, views));
    },
    notice(text) {
      const line = text.trim();
      if (current === undefined || broken) {
        rawWrite(`${line}\n`);
        return;
      }
      lastNotice = `${line}\n`;
      const run = current;
      guard(() => run.alert(line));
    },
    async idle() {
      await closing;
    },
    close: () => closeAll().catch(() => undefined),
  };
}

/** Draws on `real` through a guarded stream, with the chosen renderer; stdout waits for frames. */
function listrOptionsFor(
  real: NodeJS.WriteStream,
  terminal: boolean,
  renderer: NonNullable<ViewOptions['renderer']>,
  breakView: () => void,
): ListrOptionsFor {
  const stream = safeStream(real, breakView);
  // Draw on `stream`; hold the other stream back while drawing (its writes follow the frame).
  const processOutput = new ProcessOutput(
    stream,
    terminal ? safeStream(process.stdout, breakView) : stream,
    { leaveEmptyLine: false },
  );
  const logger = new ListrLogger({ processOutput, useIcons: true, toStderr: [] });
  return {
    registerSignalListeners: false,
    ...(renderer === 'default'
      ? {
          renderer: StderrRenderer,
          rendererOptions: { logger, collapseSubtasks: false, collapseErrors: false },
        }
      : {
          renderer: renderer === 'simple' ? SimpleRenderer : VerboseRenderer,
          rendererOptions: { logger },
        }),
  };
}

/** Each host's environment, and each environment's hosts in the layout's order. */
function indexLayout(layout: ProgressLayout): {
  envOf: Map<string, string>;
  hostsOf: Map<string, readonly string[]>;
} {
  const envOf = new Map<string, string>();
  const hostsOf = new Map<string, readonly string[]>();
  for (const e of layout.environments) {
    hostsOf.set(e.name, e.hosts);
    for (const h of e.hosts) envOf.set(h, e.name);
  }
  return { envOf, hostsOf };
}

/** The view's environments as a record needs them: the one to draw on, and ending the current. */
interface EnvViews {
  envRun(env: string): EnvRun;
  endCurrent(): void;
}

/** Sends one journal record to the part of the view it is about. */
function route(
  type: string,
  data: Record<string, unknown>,
  envOf: ReadonlyMap<string, string>,
  views: EnvViews,
): void {
  const step = typeof data['step'] === 'string' ? data['step'] : '';
  const host = typeof data['host'] === 'string' ? data['host'] : undefined;
  const env =
    typeof data['env'] === 'string'
      ? data['env']
      : host !== undefined
        ? envOf.get(host)
        : undefined;
  if (type === 'pool' && env !== undefined) {
    views.envRun(env).pool(String(data['pool']), String(data['text']));
    return;
  }
  if (step === 'approve') {
    // The prompt needs the terminal: finish the previous environment's list first.
    if (type === 'step-started') views.endCurrent();
    return;
  }
  if (env === undefined || step === '') return;
  const run = views.envRun(env);
  if (step === 'soak') run.note(soakNote(type, data));
  else if (step === 'rollbackHost' && host !== undefined) rollbackHostNote(run, type, host, data);
  else if (host !== undefined) {
    run.slot(host).record(type, step, data);
    run.paint();
  }
}

function soakNote(type: string, data: Record<string, unknown>): string {
  if (type === 'step-started') return 'soaking';
  if (type === 'step-failed') return `soak failed: ${message(data)}`;
  return data['ok'] === true
    ? 'soak passed'
    : `soak failed: ${reasonOf(data, 'a binding changed')}`;
}

/** The environment rolling one host back (after a failed soak or pool check). */
function rollbackHostNote(
  run: EnvRun,
  type: string,
  host: string,
  data: Record<string, unknown>,
): void {
  if (type === 'step-started') run.note(`rolling back ${host}`);
  else if (type === 'step-failed') run.note(`rollback of ${host} failed: ${message(data)}`);
  else {
    run.note('');
    run.hostRolledBack();
  }
}
