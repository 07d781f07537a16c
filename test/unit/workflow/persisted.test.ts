// Slim snapshots (src/workflow/persisted.ts): the rollout's ref and finished hosts' outputs go to
// the journal once; a snapshot names them. Restoring from every reachable state must finish the
// way the uninterrupted run did, and a snapshot must not grow with the hosts already finished.
import { createActor, toPromise, type Snapshot } from 'xstate';
import { describe, expect, it } from 'vitest';
import { CertrollError } from '../../../src/errors.js';
import { SnapshotCodec, type OnceRecord } from '../../../src/workflow/persisted.js';
import { createRolloutMachine } from '../../../src/workflow/rollout-machine.js';
import { type RolloutEnvironmentRef, type RolloutRef } from '../../../src/workflow/types.js';
import { fakeSteps, type Scenario } from '../../helpers/fake-steps.js';

function environment(
  name: string,
  hosts: number,
  overrides: Partial<RolloutEnvironmentRef> = {},
): RolloutEnvironmentRef {
  return {
    name,
    hosts: Array.from({ length: hosts }, (_, i) => ({
      name: `${name}-h${i + 1}`,
      bindings: ['443', '7147'],
    })),
    canary: [`${name}-h1`],
    batchSize: 3,
    concurrency: 2,
    failureBudget: 0,
    onFailure: 'rollback-environment',
    approval: false,
    soakMs: 0,
    ...overrides,
  };
}

/** Every persisted snapshot of an uninterrupted run, in order, and its output. */
async function record(ref: RolloutRef, scenario: Scenario) {
  const snapshots: unknown[] = [];
  const actor = createActor(createRolloutMachine(fakeSteps(scenario)), {
    input: ref,
    inspect: (e) => {
      if (e.type === '@xstate.snapshot') snapshots.push(actor.getPersistedSnapshot());
    },
  });
  actor.start();
  const output = await toPromise(actor);
  return { snapshots, output };
}

const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

const scenarios: Record<string, { ref: RolloutRef; scenario: Scenario }> = {
  'two environments': {
    ref: { runId: 'r1', environments: [environment('staging', 4), environment('prod', 5)] },
    scenario: {},
  },
  'a failure rolls the environment back': {
    ref: { runId: 'r2', environments: [environment('prod', 5)] },
    scenario: { verifyFails: ['prod-h4/7147'] },
  },
};

describe('slim snapshots', () => {
  for (const [name, { ref, scenario }] of Object.entries(scenarios)) {
    it(`restore from every reachable state with the journal written so far (${name})`, async () => {
      const { snapshots, output } = await record(ref, scenario);
      const codec = new SnapshotCodec();
      const journal: OnceRecord[] = [];
      expect(snapshots.length).toBeGreaterThan(10);
      for (const [i, persisted] of snapshots.entries()) {
        const slim = codec.slim(persisted);
        journal.push(...slim.records.map((r) => json(r) as OnceRecord));
        const restored = new SnapshotCodec().fatten(json(slim.snapshot), journal);
        const actor = createActor(createRolloutMachine(fakeSteps(scenario)), {
          input: ref,
          snapshot: restored as Snapshot<unknown>,
        });
        actor.start();
        await expect(toPromise(actor), `snapshot ${i}`).resolves.toEqual(output);
      }
      // The ref once; each finished host's output, and again when it changed (a verified host
      // rolled back with its environment): the last record is the host's final output.
      expect(journal.filter((r) => r.type === 'run-ref')).toHaveLength(1);
      const last = new Map<string, unknown>();
      for (const r of journal)
        if (r.type === 'host-result') last.set(String(r.data['host']), r.data['output']);
      const finished = output.environments.flatMap((e) => Object.values(e.hosts));
      expect(Object.fromEntries(last)).toEqual(
        Object.fromEntries(finished.map((h) => [h.host, json(h)])),
      );
      const changed = finished.filter((h) => h.status === 'rolled-back').length;
      expect(journal.filter((r) => r.type === 'host-result').length).toBeLessThanOrEqual(
        finished.length + changed,
      );
    });
  }

  it('stays small as hosts finish, where a whole snapshot grows with them', async () => {
    const ref: RolloutRef = {
      runId: 'r3',
      environments: [environment('prod', 60, { canary: [], batchSize: 60 })],
    };
    const { snapshots } = await record(ref, {});
    const codec = new SnapshotCodec();
    const size = (v: unknown) => JSON.stringify(v).length;
    const running = snapshots.filter((s) => (s as { status: string }).status === 'active');
    const full = running.map(size);
    const slim = running.map((s) => size(codec.slim(s).snapshot));
    const [firstFull, lastFull] = [full[0]!, full.at(-1)!];
    const [firstSlim, lastSlim] = [slim[0]!, slim.at(-1)!];
    // 60 finished hosts: the whole snapshot gained their outputs, the slim one their names.
    expect(lastFull - firstFull).toBeGreaterThan(60 * 300);
    expect(lastSlim).toBeLessThan(firstSlim + 60 * 20);
    expect(Math.max(...slim)).toBeLessThan(Math.max(...full) / 5);
  });

  it('hands out again the output of a host that finished again after a resume', async () => {
    const ref: RolloutRef = { runId: 'r4', environments: [environment('prod', 2)] };
    const { snapshots } = await record(ref, {});
    const codec = new SnapshotCodec();
    const journal: OnceRecord[] = [];
    for (const s of snapshots) journal.push(...codec.slim(s).records);
    const resumed = new SnapshotCodec();
    const last = codec.slim(snapshots.at(-2)).snapshot;
    const restored = resumed.fatten(json(last), json(journal) as OnceRecord[]);
    // Restored outputs are known: a slim of the restored state hands out nothing.
    expect(resumed.slim(restored).records).toEqual([]);
    // A new output object for a host (it finished again) is handed out again.
    const again = structuredClone(restored) as {
      context: { results: { hosts: Record<string, unknown> }[] };
    };
    expect(again.context.results.length).toBeGreaterThan(0);
    expect(resumed.slim(again).records.map((r) => r.type)).toContain('host-result');
  });

  it('passes the whole snapshots of older runs through unchanged', async () => {
    const ref: RolloutRef = { runId: 'r5', environments: [environment('prod', 3)] };
    const { snapshots } = await record(ref, {});
    const whole = json(snapshots[Math.floor(snapshots.length / 2)]);
    expect(new SnapshotCodec().fatten(whole, [])).toEqual(whole);
  });

  it('refuses a snapshot whose records the journal lacks, naming what is missing', async () => {
    const ref: RolloutRef = { runId: 'r6', environments: [environment('prod', 3)] };
    const { snapshots } = await record(ref, {});
    const codec = new SnapshotCodec();
    const journal: OnceRecord[] = [];
    for (const s of snapshots.slice(0, -1)) journal.push(...codec.slim(s).records);
    const slim = codec.slim(snapshots.at(-2)).snapshot;
    const withoutH2 = journal.filter((r) => r.data['host'] !== 'prod-h2');
    const attempt = () => new SnapshotCodec().fatten(json(slim), withoutH2);
    expect(attempt).toThrow(CertrollError);
    expect(attempt).toThrow(/the result of prod\/prod-h2/);
    const withoutRef = journal.filter((r) => r.type !== 'run-ref');
    expect(() => new SnapshotCodec().fatten(json(slim), withoutRef)).toThrow(/run-ref/);
  });
});
