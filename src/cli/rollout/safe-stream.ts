// The terminal view's guard against its own stream: a write that throws (a closed pipe, a
// detached terminal) must break only the view, never the run.

/** A stream whose writes never throw: a failure calls `broken` and later writes are dropped. */
export function safeStream(target: NodeJS.WriteStream, broken: () => void): NodeJS.WriteStream {
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
