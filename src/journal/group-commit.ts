// Group commit: writes are numbered (versions); `upTo(n)` resolves once a flush that started after
// version n was written has finished. Callers that ask while a flush runs share the next one, so
// many hosts' steps reaching a barrier together cost one fsync, run off the event loop.
import { CertrollError } from '../errors.js';

export class GroupCommit {
  private durable = 0;
  private running: Promise<void> | undefined;

  constructor(
    /** Makes everything written so far durable. */
    private readonly flush: () => Promise<void>,
    /** The newest version written. */
    private readonly latest: () => number,
    /** For the error that cannot happen. */
    private readonly what: string,
  ) {}

  /** Version `v` is already durable (it was written with a synchronous fsync). */
  markDurable(v: number): void {
    this.durable = Math.max(this.durable, v);
  }

  async upTo(target: number = this.latest()): Promise<void> {
    // Bounded: each pass finds the target durable or waits for one flush that started after it
    // was written (the one running may have started before).
    for (let pass = 0; this.durable < target && pass < 3; pass++) {
      if (this.running === undefined) {
        const covers = this.latest();
        this.running = this.flush()
          .then(() => this.markDurable(covers))
          .finally(() => {
            this.running = undefined;
          });
      }
      await this.running;
    }
    if (this.durable < target)
      throw new CertrollError('INTERNAL', `${this.what}: version ${target} not made durable`);
  }
}
