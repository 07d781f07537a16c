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

/**
 * A snapshot to save, and the journal records it names (written once each, and made durable
 * before the snapshot that names them is replaced: a power loss must not keep a snapshot whose
 * records were lost).
 */
export interface SnapshotToSave {
  readonly snapshot: unknown;
  readonly records: readonly { readonly type: string; readonly data: Record<string, unknown> }[];
}

export class RunRecorder {
  private read: (() => SnapshotToSave) | undefined;
  private last = '';
  private written = 0;
  // Snapshots are saved one after the other: one waiting for its records to reach the disk must
  // not replace a newer one.
  private saving: Promise<void> = Promise.resolve();
  private finished = false;
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

  /** The actor system changed; `read` returns its snapshot to save, asked for only when saved. */
  changed(read: () => SnapshotToSave): void {
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
    const save = this.saving.catch(() => undefined).then(() => this.saveSnapshot());
    this.saving = save;
    await save;
    await Promise.all([this.journal.sync(), this.commit.upTo()]);
  }

  /** The run's last snapshot, written and fsynced at once. */
  final(snapshot: unknown): void {
    this.finished = true;
    const json = JSON.stringify(snapshot);
    writeFileAtomic(this.snapshotPath, json);
    this.last = json;
    this.read = undefined;
  }

  close(): void {
    this.journal.close();
  }

  private async saveSnapshot(): Promise<void> {
    if (this.read === undefined) return;
    const { snapshot, records } = this.read();
    this.read = undefined;
    for (const r of records) this.journal.write(r.type, r.data);
    const json = JSON.stringify(snapshot);
    if (records.length > 0) await this.journal.sync();
    // The final snapshot is never replaced by one saved before it.
    if (json === this.last || this.finished) return;
    replaceFile(this.snapshotPath, json);
    this.last = json;
    this.written++;
  }
}
