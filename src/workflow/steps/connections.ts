// One connection per host for the steps of a run: opened on first use, closed at the host's
// release. Where it comes from (a lease of the command's pool, or a fresh transport) is the
// composition root's choice, given as `transportFor`.
import { type Host } from '../../inventory/model.js';
import { type Transport } from '../../transport/types.js';

export interface Connections {
  /** The host's open connection, connecting first if needed. */
  readonly get: (name: string, signal: AbortSignal) => Promise<Transport>;
  /** The host's connection if one is open. */
  readonly opened: (name: string) => Transport | undefined;
  /** Forgets and closes the host's connection. */
  readonly close: (name: string) => Promise<void>;
}

export function createConnections(
  transportFor: (host: Host) => Transport,
  host: (name: string) => Host,
): Connections {
  const open = new Map<string, Transport>();
  return {
    async get(name, signal) {
      const existing = open.get(name);
      if (existing !== undefined) return existing;
      const t = transportFor(host(name));
      await t.connect(signal);
      open.set(name, t);
      return t;
    },
    opened: (name) => open.get(name),
    async close(name) {
      const t = open.get(name);
      open.delete(name);
      await t?.close();
    },
  };
}
