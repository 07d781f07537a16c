// Bounds on what an inventory may be, so a hostile file fails fast and small.
export const LIMITS = {
  /** Largest inventory read, in bytes. */
  maxBytes: 4 * 1024 * 1024,
  /** Deepest nesting of maps and lists. */
  maxDepth: 64,
  /** Aliases expanded by toJS before it gives up (an alias bomb fails here, fast). */
  maxAliasCount: 100,
} as const;
