import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
await import(new URL('./ts-resolve.ts', import.meta.url).href);
const { SNI, startBenchLab } = await import('./lab.js');
const { certrollInventory } = await import('./inventory.js');
const { loadInventory } = await import('../../dist/inventory/index.js');
const { SshTransport } = await import('../../dist/transport/ssh/ssh-transport.js');
const n = Number(process.argv[2] ?? '200');
const lab = await startBenchLab(n, 4, 50);
const work = mkdtempSync(join(tmpdir(), 'certroll-mem-'));
const inv = join(work, 'inv.yaml');
writeFileSync(inv, certrollInventory(lab.hosts, lab.ports, SNI, { knownHostsPath: lab.knownHostsPath }, 20, []));
const hosts = (loadInventory(inv) as any).environments[0].hosts;
const mb = () => `${(process.memoryUsage().rss / 1e6).toFixed(0)} MB rss, heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB, external ${(process.memoryUsage().external / 1e6).toFixed(0)} MB, ab ${(process.memoryUsage().arrayBuffers / 1e6).toFixed(0)} MB`;
console.log('before', mb());
const ts: any[] = [];
for (let i = 0; i < hosts.length; i += 20) {
  const batch = hosts.slice(i, i + 20).map((h: any) => new SshTransport(h, {}));
  await Promise.all(batch.map((t: any) => t.connect().then(() => t.exec('true'))));
  ts.push(...batch);
}
globalThis.gc?.();
console.log(`${ts.length} open`, mb());
for (const t of ts) await t.close();
globalThis.gc?.();
console.log('closed', mb());
await lab.stop();
