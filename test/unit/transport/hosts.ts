// An inventory host for transport unit tests: nothing is reached, only constructed.
import { type Host, type TransportKind } from '../../../src/inventory/model.js';

export const testHost = (name: string, kind: TransportKind = 'ssh'): Host => ({
  name,
  address: '10.0.4.7',
  transport: {
    kind,
    port: 22,
    knownHosts: [],
    sudo: false,
    connectTimeoutMs: 1_000,
    commandTimeoutMs: 1_000,
  },
  legacyPfx: false,
  bindings: [],
  exclusions: [],
  origin: {},
});
