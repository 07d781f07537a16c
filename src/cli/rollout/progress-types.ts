// The types shared by the progress front (progress.ts) and its listr2 view (progress-view.ts):
// apart, so neither module imports the other for a type (progress.ts loads the view lazily).

/** Which environment each host belongs to, in inventory order. */
export interface ProgressLayout {
  readonly environments: readonly { readonly name: string; readonly hosts: readonly string[] }[];
}

export interface Progress {
  /**
   * One journal record (`step-started`, `step-finished`, `step-failed`, ...), or a `pool` picture
   * derived from them (pool-progress.ts: `{ env, pool, text, ... }`). Never throws.
   */
  record(type: string, data: Record<string, unknown>): void;
  /**
   * A message for the person at once (the answer to Ctrl-C), even while a view draws: the
   * terminal view shows it in its frame, where other writes are held back until the frame ends.
   */
  notice(text: string): void;
  /** Resolves once the terminal is free for a prompt (an approval); never rejects. */
  idle(): Promise<void>;
  /** The run ended or threw: settle every task and give the terminal back. Never rejects. */
  close(): Promise<void>;
}

export interface ViewOptions {
  /** Where to draw; default process.stderr (and process.stdout is held back while drawing). */
  readonly stream?: NodeJS.WriteStream;
  /** `default` draws and redraws; `simple` and `verbose` write lines (deterministic, for tests). */
  readonly renderer?: 'default' | 'simple' | 'verbose';
  /** Called once when drawing failed; the caller shows the rest some other way. */
  readonly onBroken?: () => void;
}
