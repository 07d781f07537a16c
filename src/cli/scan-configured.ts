// `--configured` of scan and renewals: configured versus served needs the hosts themselves, so
// it is opt-in, and discovery and the transports load only then.
import { type Inventory } from '../inventory/model.js';
import { type ScanReport } from '../probe/scan-types.js';
import { type CliIo } from './io.js';

export async function withConfiguredReport(
  inventory: Inventory,
  scanned: ScanReport,
  o: { readonly trust?: readonly string[]; readonly critDays: number },
  env: CliIo['env'],
): Promise<ScanReport> {
  const [{ withConfigured }, { withAdapters }] = await Promise.all([
    import('../discover/scan-hook.js'),
    import('./compose.js'),
  ]);
  return withAdapters(env, (a) =>
    withConfigured(inventory, scanned, {
      ...(o.trust !== undefined ? { trust: o.trust } : {}),
      critDays: o.critDays,
      transportFor: a.transportFor,
      probe: a.probe,
    }),
  );
}
