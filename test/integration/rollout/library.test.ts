// certroll as a library, in-process over the real lab: the use cases the CLI runs (prepare, make
// the plan, lock, apply, roll back a finished run), imported from the package's entry point and
// given the real adapters by `withAdapters`. Real sshd and nginx; the probe judges every port.
import { describe, expect, it } from 'vitest';
import {
  applyPlan,
  CertrollError,
  loadFinishedRun,
  lockRun,
  makePlan,
  prepareRollout,
  rollbackFinished,
  withAdapters,
} from '../../../src/index.js';
import { useRenewalLab } from '../../lab/index.js';

const renewal = useRenewalLab({
  hosts: 2,
  environments: (hosts) => [{ name: 'prod', policy: '{ concurrency: 2 }', hosts }],
});

describe('the library surface', () => {
  it('plans, applies and rolls back a finished run in-process, each port proven on the wire', async () => {
    const r = renewal();
    const { lab, stateDir, inventoryPath: inventory } = r;
    const served = (address: string) => r.served(address);
    const inputs = { inventory, cert: r.bundlePath, trust: [r.root.certPath] };
    const prepared = await prepareRollout(inputs, {});
    const records: string[] = [];
    const outcome = await withAdapters({}, async (adapters) => {
      const { plan, known } = await makePlan(prepared, {
        adapters,
        inventoryPath: inventory,
        bundle: { path: r.bundlePath },
      });
      expect(plan.environments[0]?.hosts.flatMap((h) => h.bindings.map((b) => b.action))).toEqual([
        'replace',
        'replace',
      ]);
      const locks = lockRun(stateDir, prepared.inventory.environments);
      try {
        // The lock is the run's: a second run of the environment is refused while it is held.
        expect(() => lockRun(stateDir, prepared.inventory.environments)).toThrow(CertrollError);
        return await applyPlan(plan, prepared, {
          stateDir,
          locks,
          adapters,
          known,
          approve: () => Promise.resolve(true),
          observer: { record: (type, data) => records.push(`${type} ${String(data['step'])}`) },
        });
      } finally {
        locks.release();
      }
    });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.sweep?.clean).toBe(true);
    for (const h of lab.hosts) expect(await served(h.address)).toBe(r.newLeaf.sha256);
    expect(records).toContain('step-finished verify');

    const rolled = await withAdapters({}, async (adapters) => {
      const loaded = await loadFinishedRun(
        outcome.runId,
        { stateDir, trust: [r.root.certPath] },
        adapters,
      );
      return rollbackFinished(loaded, { stateDir });
    });
    expect(rolled.status).toBe('rolled-back');
    for (const h of lab.hosts) expect(await served(h.address)).toBe(r.oldLeaf.sha256);
  }, 120_000);
});
