// A resolved inventory for scan tests, built directly (no parser): one environment, local hosts.
import {
  type Binding,
  type Host,
  type Inventory,
  type ProbeSpec,
} from '../../../src/inventory/model.js';

const transport = {
  kind: 'local',
  port: 22,
  knownHosts: [],
  sudo: false,
  connectTimeoutMs: 1000,
  commandTimeoutMs: 1000,
} as const;

export function binding(host: string, port: number, probe: ProbeSpec): Binding {
  return { id: `${host}:${port}`, port, kind: 'nginx', params: {}, probe, origin: {} };
}

export function host(name: string, address: string, bindings: readonly Binding[]): Host {
  return { name, address, transport, legacyPfx: false, bindings, exclusions: [], origin: {} };
}

export function inventoryOf(env: string, hosts: readonly Host[]): Inventory {
  return {
    source: 'test',
    digest: '0'.repeat(64),
    playbookDirs: [],
    environments: [
      {
        name: env,
        policy: {
          canary: [],
          batchSize: 1,
          concurrency: 1,
          failureBudget: 0,
          onFailure: 'halt',
          approval: false,
          soakMs: 0,
          coldStartCheck: false,
        },
        hosts,
        origin: {},
      },
    ],
  };
}
