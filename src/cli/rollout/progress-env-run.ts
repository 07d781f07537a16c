// One environment's part of the terminal view (progress-view.ts): its own Listr, with a task
// titled with the environment's counts, phase and pools, and a subtask per host (HostSlot).
import { Listr } from 'listr2';
import { HostSlot, type TaskHandle } from './progress-host-slot.js';

export type ListrOptionsFor = ConstructorParameters<typeof Listr>[1];

/** One environment's Listr: its task, its hosts' subtasks, its counts. */
export class EnvRun {
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
