// `certroll scan --configured`: discover the scanned hosts and add their configured-versus-served
// findings to the report.
import { type Host, type Inventory } from '../inventory/model.js';
import { type ProbeFn } from '../probe/shared.js';
import { type Transport } from '../transport/types.js';
import { type ScanReport } from '../probe/scan-types.js';
import { discoverHosts } from './run.js';
import { addConfigured } from './scan-configured.js';

export async function withConfigured(
  inventory: Inventory,
  report: ScanReport,
  o: {
    env?: string;
    host?: string;
    trust?: readonly string[];
    critDays: number;
    transportFor: (host: Host) => Transport;
    probe: ProbeFn;
  },
): Promise<ScanReport> {
  const refs = inventory.environments
    .filter((e) => o.env === undefined || e.name === o.env)
    .flatMap((e) => e.hosts.map((host) => ({ env: e.name, host })))
    .filter((r) => o.host === undefined || r.host.name === o.host)
    .filter((r) => r.host.bindings.length > 0);
  const { hosts } = await discoverHosts(refs, {
    transportFor: o.transportFor,
    probe: o.probe,
    old: new Set(),
    critDays: o.critDays,
    ...(o.trust !== undefined ? { trust: o.trust } : {}),
  });
  return addConfigured(report, hosts);
}
