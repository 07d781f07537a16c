// What a run writes while it runs: journal records and the actor system's snapshot, made durable
// together at barriers. A step awaits `durable()` after its `step-started` record and before it
// acts; by then that record, and a snapshot at least as new as the state that started the step,
// are on disk (invariant 4). Between barriers, records and snapshots are written without waiting
// for the disk (a killed process loses nothing: the page cache survives it), and the snapshot is
// serialised only when a barrier needs it. Steps of many hosts that reach a barrier together
// share one group of fsyncs, run off the event loop: no host waits for another's disk writes.
import { setImmediate } from 'node:timers/promises';
import { fsyncReplaced, replaceFile, writeFileAtomic } from './atomic.js';
import { GroupCommit } from './group-commit.js';
import { type Journal } from './journal.js';

export class RunRecorder {
  private read: (() => unknown) | undefined;
  private last = '';
  private written = 0;
  private readonly commit: GroupCommit;

  constructor(
    private readonly journal: Journal,
    readonly snapshotPath: string,
  ) {
    this.commit = new GroupCommit(
      () => fsyncReplaced(snapshotPath),
      () => this.written,
      `snapshot ${snapshotPath}`,
    );
  }

  /** A journal record, durable at the next barrier. */
  append(type: string, data: Record<string, unknown>): void {
    this.journal.write(type, data);
  }

  /** The actor system changed; `read` returns its persisted snapshot, asked for only when saved. */
  changed(read: () => unknown): void {
    this.read = read;
  }

  /**
   * Resolves once every record so far, and (unless `records`) the newest snapshot, are on disk.
   * The snapshot is then serialised at most once for every caller that reached the barrier.
   */
  async durable(what: 'all' | 'records' = 'all'): Promise<void> {
    if (what === 'records') return this.journal.sync();
    // The macrostep that started the step finishes first, so the snapshot includes it.
    await setImmediate();
    this.writeSnapshot();
    await Promise.all([this.journal.sync(), this.commit.upTo()]);
  }

  /** The run's last snapshot, written and fsynced at once. */
  final(snapshot: unknown): void {
    const json = JSON.stringify(snapshot);
    writeFileAtomic(this.snapshotPath, json);
    this.last = json;
    this.read = undefined;
  }

  close(): void {
    this.journal.close();
  }

  private writeSnapshot(): void {
    if (this.read === undefined) return;
    const json = JSON.stringify(this.read());
    this.read = undefined;
    if (json === this.last) return;
    replaceFile(this.snapshotPath, json);
    this.last = json;
    this.written++;
  }
}
