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
  Listr,
  ListrLogger,
  ProcessOutput,
  SimpleRenderer,
  VerboseRenderer,
} from 'listr2';
import { type Progress, type ProgressLayout, type ViewOptions } from './progress-types.js';
import { rollbackOutcome } from '../../workflow/outcome.js';

/** The default renderer, allowed to draw on stderr when only stderr is a terminal. */
class StderrRenderer extends DefaultRenderer {
  static override nonTTY = true;
}

const CURSOR_SHOW = '\u001B[?25h';

/** What a host task shows; the subset of listr2's task wrapper this view uses. */
interface TaskHandle {
  title: string | undefined;
  output: string | undefined;
  skip(message?: string): void;
}

type Outcome =
  | { readonly kind: 'success'; readonly title: string }
  | { readonly kind: 'skip'; readonly title: string }
  | { readonly kind: 'fail'; readonly title: string; readonly reason: string }
  | { readonly kind: 'hidden' };

const DOING: Readonly<Record<string, string>> = {
  connect: 'connect',
  lockHost: 'lock',
  capture: 'capture',
  stage: 'stage',
  bind: 'bind',
  verify: 'verify',
  restart: 'restart',
  drain: 'drain',
  returnToPool: 'return to pool',
  rollback: 'rollback',
  verifyRollback: 'verify rollback',
  cleanup: 'cleanup',
  release: 'release',
};

function reasonOf(data: Record<string, unknown>, fallback: string): string {
  return typeof data['reason'] === 'string' ? data['reason'] : fallback;
}

function message(data: Record<string, unknown>): string {
  const error = data['error'] as { message?: unknown } | undefined;
  return typeof error?.message === 'string' ? error.message : 'unknown error';
}

/** One host as its records describe it; `outcome()` mirrors the host machine's own verdict. */
class HostSlot {
  private task: TaskHandle | undefined;
  private started = false;
  private step = '';
  private touched = false;
  private rolledBack = false;
  private unreachable = false;
  private attention: string | undefined;
  private error: string | undefined;
  private undoFailure: string | undefined;
  private verified = 0;
  private ended: Outcome | undefined;
  private readonly settled: Promise<Outcome>;
  private settle: (o: Outcome) => void = () => undefined;

  constructor(readonly host: string) {
    this.settled = new Promise((resolve) => (this.settle = resolve));
  }

  /** Ended after it started (a host the run never reached is not counted). */
  get finished(): boolean {
    return this.ended !== undefined && this.ended.kind !== 'hidden';
  }

  get failed(): boolean {
    return this.ended?.kind === 'fail';
  }

  /** The listr2 task function: shows the host once it starts, ends when the host does. */
  async run(task: TaskHandle): Promise<void> {
    this.task = task;
    this.paint();
    const outcome = await this.settled;
    if (outcome.kind === 'skip') task.skip(outcome.title);
    if (outcome.kind === 'fail') throw new Error(outcome.reason);
  }

  record(type: string, step: string, data: Record<string, unknown>): void {
    if (this.ended !== undefined) return;
    this.started = true;
    const binding = typeof data['binding'] === 'string' ? ` ${data['binding']}` : '';
    this.step = `${DOING[step] ?? step}${binding}`;
    if (type === 'step-started') {
      if (step === 'bind') this.touched = true;
      if (step === 'rollback') this.touched = true;
    } else if (type === 'step-failed') {
      const why = message(data);
      if (step === 'connect') this.unreachable = true;
      // A failed rollback command is judged by the probe that follows (src/workflow/outcome.ts).
      if (step === 'rollback') this.undoFailure = why;
      else if (step === 'verifyRollback')
        this.attention = rollbackOutcome(undefined, this.undoFailure, why).reason;
      else if (step === 'cleanup') this.attention = `cleanup failed: ${why}`;
      this.error ??= `${step} failed: ${why}`;
    } else if (step === 'verify') {
      if (data['ok'] === true) this.verified += 1;
      else this.error ??= `new certificate not proven: ${reasonOf(data, 'probe failed')}`;
    } else if (step === 'verifyRollback') {
      const verdict = rollbackOutcome(
        { ok: data['ok'] === true, reason: reasonOf(data, 'probe failed') },
        this.undoFailure,
      );
      this.undoFailure = undefined;
      if (verdict.status === 'rolled-back') this.rolledBack = true;
      else this.attention ??= verdict.reason;
    }
    if (step === 'release' && type !== 'step-started') this.end(this.outcome());
    else this.paint();
  }

  outcome(): Outcome {
    const h = this.host;
    const why = this.error ?? 'unknown error';
    if (this.unreachable) return { kind: 'fail', title: `${h}: unreachable`, reason: why };
    if (this.attention !== undefined)
      return { kind: 'fail', title: `${h}: needs attention`, reason: this.attention };
    if (!this.touched)
      return this.error === undefined
        ? { kind: 'skip', title: `${h}: nothing to do (already current)` }
        : { kind: 'fail', title: `${h}: failed, nothing changed`, reason: why };
    if (this.rolledBack || this.error !== undefined)
      return { kind: 'fail', title: `${h}: rolled back`, reason: why };
    return {
      kind: 'success',
      title: `${h}: verified${this.verified > 1 ? ` (${this.verified} bindings)` : ''}`,
    };
  }

  /** Ends the task: with its outcome, or (never started) invisibly, or as interrupted. */
  end(outcome?: Outcome): void {
    if (this.ended !== undefined) return;
    this.ended =
      outcome ??
      (this.started
        ? { kind: 'fail', title: `${this.host}: did not finish`, reason: `stopped at ${this.step}` }
        : { kind: 'hidden' });
    this.paint();
    this.settle(this.ended);
  }

  private paint(): void {
    const task = this.task;
    if (task === undefined || !this.started) return;
    const o = this.ended;
    task.title =
      o === undefined ? `${this.host} · ${this.step}` : o.kind === 'hidden' ? '' : o.title;
  }
}

/** One environment's Listr: its task, its hosts' subtasks, its counts. */
class EnvRun {
  readonly slots = new Map<string, HostSlot>();
  private task: TaskHandle | undefined;
  private phase = '';
  private notice = '';
  private rolledBack = 0;
  /** Each pool's picture (pool-progress.ts), by name, in the order first seen. */
  private readonly pools = new Map<string, string>();
  private settle: () => void = () => undefined;
  private readonly settled = new Promise<void>((resolve) => (this.settle = resolve));
  readonly done: Promise<void>;

  constructor(
    readonly env: string,
    hosts: readonly string[],
    options: ListrOptionsFor,
    private readonly guard: (fn: () => void) => void,
  ) {
    for (const h of hosts) this.slots.set(h, new HostSlot(h));
    const list = new Listr(
      [
        {
          title: this.title(),
          task: (_ctx, task) => {
            this.task = task;
            this.paint();
            const subtasks = task.newListr(
              [...this.slots.values()].map((slot) => ({
                task: (_c: unknown, t: unknown) => slot.run(t as TaskHandle),
              })),
              { concurrent: true, exitOnError: false },
            );
            return subtasks;
          },
        },
        // Holds the list open until the environment ends (hosts start later than the list).
        { task: () => this.settled },
      ],
      { ...options, concurrent: true, exitOnError: false },
    );
    this.done = list.run().then(
      () => undefined,
      () => undefined,
    );
  }

  slot(host: string): HostSlot {
    let slot = this.slots.get(host);
    if (slot === undefined) {
      // A host the layout did not list is counted in the title (the list's tasks are fixed).
      slot = new HostSlot(host);
      this.slots.set(host, slot);
    }
    return slot;
  }

  note(phase: string): void {
    this.phase = phase;
    this.paint();
  }

  /** A message that stays in the title until the environment ends (the answer to Ctrl-C). */
  alert(text: string): void {
    this.notice = text;
    this.paint();
  }

  /** A pool's picture: how many members serve the new certificate, which still the old. */
  pool(name: string, text: string): void {
    this.pools.set(name, text);
    this.paint();
  }

  hostRolledBack(): void {
    this.rolledBack += 1;
    this.paint();
  }

  paint(): void {
    this.guard(() => {
      if (this.task !== undefined) this.task.title = this.title();
    });
  }

  private title(): string {
    const slots = [...this.slots.values()];
    const finished = slots.filter((s) => s.finished).length;
    const failures = slots.filter((s) => s.failed).length;
    return (
      [
        `${this.env}: ${finished}/${slots.length} hosts done`,
        ...(failures > 0 ? [`${failures} failed`] : []),
        ...(this.rolledBack > 0 ? [`${this.rolledBack} rolled back by the environment`] : []),
        ...(this.phase !== '' ? [this.phase] : []),
      ].join(', ') +
      [...this.pools.values()].map((p) => ` · ${p}`).join('') +
      (this.notice !== '' ? ` · ${this.notice}` : '')
    );
  }

  /** Settles every task; resolves when the list has drawn its last frame. */
  end(): Promise<void> {
    for (const slot of this.slots.values()) this.guard(() => slot.end());
    this.paint();
    this.settle();
    return this.done;
  }
}

type ListrOptionsFor = ConstructorParameters<typeof Listr>[1];

/** A stream whose writes never throw: a failure calls `broken` and later writes are dropped. */
function safeStream(target: NodeJS.WriteStream, broken: () => void): NodeJS.WriteStream {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with `target` below
  const original = target.write;
  let failed = false;
  const safe = function (this: unknown, ...args: unknown[]): boolean {
    if (failed) return true;
    try {
      return (original as (...a: unknown[]) => boolean).apply(target, args);
    } catch {
      failed = true;
      broken();
      return true;
    }
  };
  return new Proxy(target, {
    get(t, p) {
      if (p === 'write') return safe;
      const v: unknown = Reflect.get(t, p, t);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
    set(t, p, v) {
      // ProcessOutput holds other writes back by replacing `write`, and puts ours back after.
      if (p === 'write') t.write = v === safe ? original : (v as typeof t.write);
      else Reflect.set(t, p, v, t);
      return true;
    },
  });
}

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
  const stream = safeStream(real, breakView);
  // Draw on `stream`; hold the other stream back while drawing (its writes follow the frame).
  const processOutput = new ProcessOutput(
    stream,
    terminal ? safeStream(process.stdout, breakView) : stream,
    { leaveEmptyLine: false },
  );
  const logger = new ListrLogger({ processOutput, useIcons: true, toStderr: [] });
  const renderer = options.renderer ?? 'default';
  const listrOptions: ListrOptionsFor = {
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

  const envOf = new Map<string, string>();
  const hostsOf = new Map<string, readonly string[]>();
  for (const e of layout.environments) {
    hostsOf.set(e.name, e.hosts);
    for (const h of e.hosts) envOf.set(h, e.name);
  }

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
      guard(() => {
        const step = typeof data['step'] === 'string' ? data['step'] : '';
        const host = typeof data['host'] === 'string' ? data['host'] : undefined;
        const env =
          typeof data['env'] === 'string'
            ? data['env']
            : host !== undefined
              ? envOf.get(host)
              : undefined;
        if (type === 'pool' && env !== undefined) {
          const run = envRun(env);
          run.pool(String(data['pool']), String(data['text']));
          return;
        }
        if (step === 'approve') {
          // The prompt needs the terminal: finish the previous environment's list first.
          if (type === 'step-started') endCurrent();
          return;
        }
        if (env === undefined || step === '') return;
        const run = envRun(env);
        if (step === 'soak') {
          run.note(
            type === 'step-started'
              ? 'soaking'
              : type === 'step-failed'
                ? `soak failed: ${message(data)}`
                : data['ok'] === true
                  ? 'soak passed'
                  : `soak failed: ${reasonOf(data, 'a binding changed')}`,
          );
        } else if (step === 'rollbackHost' && host !== undefined) {
          if (type === 'step-started') run.note(`rolling back ${host}`);
          else if (type === 'step-failed') run.note(`rollback of ${host} failed: ${message(data)}`);
          else {
            run.note('');
            run.hostRolledBack();
          }
        } else if (host !== undefined) {
          run.slot(host).record(type, step, data);
          run.paint();
        }
      });
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
