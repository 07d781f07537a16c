// The set-up every rollout test against the lab starts from, in one call: N lab hosts, each with
// nginx serving the old leaf of a renewal on 8443 and a private state folder, an inventory of
// them, and a control-side state folder. Made in the file's beforeAll, stopped in its afterAll.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startLab, type Lab } from './index.js';
import { nginxOnEveryHost, writeLabInventory } from './inventory.js';
import { type LabService } from './nginx.js';
import { renewalPki, type Issued, type RenewalPki } from './pki.js';
import { servedStable } from './served.js';

export interface RenewalLab extends RenewalPki {
  readonly name: string;
  readonly lab: Lab;
  /** One nginx per lab host, in host order. */
  readonly services: readonly LabService[];
  readonly inventoryPath: string;
  /** certroll's own state folder (`--state-dir`). */
  readonly stateDir: string;
  /** `-i <inventory> --cert <bundle> --trust <root>`: what plan and rollout take. */
  args(): string[];
  /** The leaf the host at `address` settles on serving on 8443. */
  served(address: string, options?: { until?: string }): Promise<string>;
  /** Every host serves `leaf` again from its files, its state folder emptied (set-up only). */
  resetTo(leaf: Issued): Promise<void>;
}

export interface RenewalLabOptions {
  readonly hosts: number;
  /** The certificate's name (CN, SAN and SNI); `www.lab.test` by default. */
  readonly name?: string;
  /** The inventory's environments, given each host's entry (`hosts:` lines) in host order. */
  readonly environments: (
    hosts: readonly string[],
  ) => readonly { name: string; policy?: string; hosts: readonly string[] }[];
}

async function makeRenewalLab(o: RenewalLabOptions): Promise<RenewalLab> {
  const name = o.name ?? 'www.lab.test';
  const pki = renewalPki(name);
  const lab = await startLab({ hosts: o.hosts }).catch((error: unknown) => {
    pki.pki.cleanup();
    throw error;
  });
  const made = await nginxOnEveryHost(lab, pki.oldLeaf, name).catch(async (error: unknown) => {
    await lab.stop();
    pki.pki.cleanup();
    throw error;
  });
  const { services, hostsYaml } = made;
  const inventoryPath = writeLabInventory(lab, o.environments(hostsYaml));
  const served = (address: string, options: { until?: string } = {}): Promise<string> =>
    servedStable(address, 8443, name, [pki.root.certPem], options);
  return {
    ...pki,
    name,
    lab,
    services,
    inventoryPath,
    stateDir: join(lab.dir, 'control-state'),
    args: () => ['-i', inventoryPath, '--cert', pki.bundlePath, '--trust', pki.root.certPath],
    served,
    resetTo: async (leaf) => {
      for (const [i, svc] of services.entries()) {
        writeFileSync(svc.certPath, leaf.certPem);
        writeFileSync(svc.keyPath, leaf.keyPem);
        svc.reload();
        const state = join(lab.hosts[i]!.dir, 'state');
        rmSync(state, { recursive: true, force: true });
        mkdirSync(state, { mode: 0o700 });
      }
      for (const h of lab.hosts) await served(h.address, { until: leaf.sha256 });
    },
  };
}

/** Registers the lab's start (beforeAll) and stop (afterAll); read it inside tests and hooks. */
export function useRenewalLab(o: RenewalLabOptions): () => RenewalLab {
  let made: RenewalLab | undefined;
  beforeAll(async () => {
    made = await makeRenewalLab(o);
  }, 60_000);
  afterAll(async () => {
    await made?.lab.stop();
    made?.pki.cleanup();
  });
  return () => {
    if (made === undefined) throw new Error('useRenewalLab: read before its beforeAll ran');
    return made;
  };
}
