// Business Central / NAV server instances (and other services) on a simulated Windows host:
// the files the simulation reads (bc/<Instance>/CustomSettings.config, services/<name>.json).
import type { SimRoot } from './pwsh-local.js';

export interface ServiceRecord {
  name: string;
  displayName?: string;
  status: 'Running' | 'Stopped' | 'StartPending' | 'StopPending';
  /** As Win32_Service.StartName shows it: LocalSystem, NT AUTHORITY\NetworkService, ... */
  startName: string;
  startDelayMs: number;
  kind: 'bc' | 'iis' | 'generic';
  instance?: string;
  version?: string;
  /** A start of a generic service fails with this reason (the event log text). */
  failStart?: string;
  /** A generic service's own TLS ports, registered (owner `SVC:<name>`) while it runs. */
  ports?: number[];
  /**
   * The http.sys ipport (e.g. `0.0.0.0:443`) whose certificate a generic service loads at start
   * and serves on `ports` until restarted; the start fails if its account cannot read the key.
   */
  certificateFrom?: string;
}

export function writeService(sim: SimRoot, record: ServiceRecord): void {
  sim.writeJson(`services/${record.name}.json`, record);
}

export interface BcInstanceOptions {
  readonly instance: string;
  /**
   * 0 for the first instance (ports 7045-7049), 1 for the second (7145-7149), ...: management,
   * client services, SOAP, OData, developer services; management API 7086+, snapshot debugger 7083+.
   */
  readonly index?: number;
  readonly thumbprint?: string;
  /** Win32_Service.StartName of the service (default NT AUTHORITY\NetworkService). */
  readonly startName?: string;
  readonly status?: ServiceRecord['status'];
  readonly startDelayMs?: number;
  /** Which web services run with SSL (default SOAP and OData). */
  readonly ssl?: readonly ('SOAP' | 'OData' | 'Developer' | 'ManagementApi' | 'SnapshotDebugger')[];
  readonly version?: string;
}

export interface BcInstance {
  readonly service: string;
  readonly ports: {
    management: number;
    client: number;
    soap: number;
    odata: number;
    developer: number;
    managementApi: number;
    snapshotDebugger: number;
  };
}

/** Writes an instance's CustomSettings.config and its service record. */
export function writeBcInstance(sim: SimRoot, options: BcInstanceOptions): BcInstance {
  const base = 100 * (options.index ?? 0);
  const ports = {
    management: 7045 + base,
    client: 7046 + base,
    soap: 7047 + base,
    odata: 7048 + base,
    developer: 7049 + base,
    managementApi: 7086 + base,
    snapshotDebugger: 7083 + base,
  };
  const ssl = new Set(options.ssl ?? ['SOAP', 'OData']);
  const settings: [string, string][] = [
    ['DatabaseServer', 'localhost'],
    ['DatabaseInstance', ''],
    ['DatabaseName', 'CRONUS'],
    ['ServerInstance', options.instance],
    ['ManagementServicesPort', String(ports.management)],
    ['ManagementServicesEnabled', 'true'],
    ['ClientServicesPort', String(ports.client)],
    ['ClientServicesCredentialType', 'Windows'],
    ['SOAPServicesPort', String(ports.soap)],
    ['SOAPServicesEnabled', 'true'],
    ['SOAPServicesSSLEnabled', String(ssl.has('SOAP'))],
    ['ODataServicesPort', String(ports.odata)],
    ['ODataServicesEnabled', 'true'],
    ['ODataServicesSSLEnabled', String(ssl.has('OData'))],
    ['DeveloperServicesPort', String(ports.developer)],
    ['DeveloperServicesEnabled', 'true'],
    ['DeveloperServicesSSLEnabled', String(ssl.has('Developer'))],
    ['ManagementApiServicesPort', String(ports.managementApi)],
    ['ManagementApiServicesEnabled', 'true'],
    ['ManagementApiServicesSSLEnabled', String(ssl.has('ManagementApi'))],
    ['SnapshotDebuggerServicesPort', String(ports.snapshotDebugger)],
    ['SnapshotDebuggerEnabled', 'true'],
    ['SnapshotDebuggerServicesSSLEnabled', String(ssl.has('SnapshotDebugger'))],
    ['ServicesCertificateThumbprint', options.thumbprint ?? ''],
    ['ServicesCertificateValidationEnabled', 'true'],
    ['PublicSOAPBaseUrl', ''],
    ['PublicODataBaseUrl', ''],
  ];
  const xml =
    '<?xml version="1.0" encoding="utf-8"?>\n<appSettings>\n' +
    settings.map(([k, v]) => `  <add key="${k}" value="${escapeXml(v)}" />\n`).join('') +
    '</appSettings>\n';
  sim.writeText(`bc/${options.instance}/CustomSettings.config`, xml);
  const service = `MicrosoftDynamicsNavServer$${options.instance}`;
  writeService(sim, {
    name: service,
    displayName: `Microsoft Dynamics 365 Business Central Server [${options.instance}]`,
    status: options.status ?? 'Stopped',
    startName: options.startName ?? 'NT AUTHORITY\\NetworkService',
    startDelayMs: options.startDelayMs ?? 300,
    kind: 'bc',
    instance: options.instance,
    ...(options.version ? { version: options.version } : {}),
  });
  if (options.status === 'Running') {
    // A running instance has registered its SSL ports with http.sys, as after a real start.
    const sslPorts = [
      ['SOAP', ports.soap],
      ['OData', ports.odata],
      ['Developer', ports.developer],
      ['ManagementApi', ports.managementApi],
      ['SnapshotDebugger', ports.snapshotDebugger],
    ] as const;
    setListeners(
      sim,
      `BC:${options.instance}`,
      sslPorts.filter(([name]) => ssl.has(name)).map(([, port]) => port),
    );
  }
  return { service, ports };
}

export interface Listener {
  owner: string;
  address: string;
  port: number;
}

/** Replaces `owner`'s registrations in httpsys/listeners.json with `ports` on 0.0.0.0. */
export function setListeners(sim: SimRoot, owner: string, ports: readonly number[]): void {
  const rel = 'httpsys/listeners.json';
  const state = sim.exists(rel) ? sim.readJson<{ listeners: Listener[] }>(rel) : { listeners: [] };
  const keep = state.listeners.filter((l) => l.owner !== owner);
  sim.writeJson(rel, {
    listeners: [...keep, ...ports.map((port) => ({ owner, address: '0.0.0.0', port }))],
  });
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/"/g, '&quot;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}
