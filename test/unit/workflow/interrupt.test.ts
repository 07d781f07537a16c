// The operator's interrupt (Ctrl-C, SIGTERM): no new host starts, the hosts under way finish
// (verified or rolled back), no later environment starts, an approval prompt or a soak ends, and
// an interrupt alone never rolls an environment back. Fake steps: pure logic.
import { createActor, toPromise, type Snapshot } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createEnvironmentMachine } from '../../../src/workflow/environment-machine.js';
import { SnapshotCodec, type OnceRecord } from '../../../src/workflow/persisted.js';
import { runRollout, type SlimSnapshot } from '../../../src/workflow/runner.js';
import { createRolloutMachine } from '../../../src/workflow/rollout-machine.js';
import {
  type EnvironmentRef,
  type RolloutEnvironmentRef,
  type RolloutRef,
} from '../../../src/workflow/types.js';
import { fakeSteps, type FakeSteps, type Scenario } from '../../helpers/fake-steps.js';

const env = (name: string, over: Partial<RolloutEnvironmentRef> = {}): RolloutEnvironmentRef => ({
  name,
  hosts: [1, 2, 3, 4, 5, 6].map((i) => ({ name: `${name}-h${i}`, bindings: ['443'] })),
  canary: [],
  batchSize: 10,
  concurrency: 2,
  failureBudget: 0,
  onFailure: 'rollback-environment',
  approval: false,
  soakMs: 0,
  ...over,
});

/** Resolves once `calls` has an entry starting with `prefix` (bounded: 5 s). */
async function seen(steps: FakeSteps, prefix: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (steps.calls.some((c) => c.startsWith(prefix))) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never saw ${prefix}`);
}

const connected = (steps: FakeSteps) =>
  steps.calls.filter((c) => c.startsWith('connect ')).map((c) => c.slice('connect '.length));

describe('an interrupted environment', () => {
  async function interrupted(scenario: Scenario, ref: EnvironmentRef = env('prod')) {
    const steps = fakeSteps({ delayMs: 15, ...scenario });
    const actor = createActor(createEnvironmentMachine(steps), { input: ref });
    actor.start();
    await seen(steps, 'connect prod-h2');
    actor.send({ type: 'interrupt' });
    return { output: await toPromise(actor), steps };
  }

  it('starts no more hosts, lets the running ones finish, and says which did not start', async () => {
    const { output, steps } = await interrupted({});
    expect(connected(steps)).toEqual(['prod-h1', 'prod-h2']);
    expect(output.status).toBe('interrupted');
    expect(Object.values(output.hosts).map((h) => [h.host, h.status])).toEqual([
      ['prod-h1', 'verified'],
      ['prod-h2', 'verified'],
    ]);
    expect(output.notStarted).toEqual(['prod-h3', 'prod-h4', 'prod-h5', 'prod-h6']);
    expect(output.reason).toBe('interrupted by the operator; 4 host(s) not started');
    // rollback-environment is the policy, but an interrupt is not a failure.
    expect(steps.calls.filter((c) => c.startsWith('rollbackHost'))).toEqual([]);
  });

  it('still applies the failure policy to a host that fails after the interrupt', async () => {
    const { output, steps } = await interrupted({ verifyFails: ['prod-h2/443'] });
    expect(output.status).toBe('rolled-back');
    expect(output.reason).toMatch(/failure budget of 0 exceeded/);
    expect(steps.calls).toContain('rollbackHost prod-h1');
  });

  it('succeeds when every host had started before the interrupt', async () => {
    const ref = env('prod', { hosts: env('prod').hosts.slice(0, 2) });
    const { output } = await interrupted({}, ref);
    expect(output.status).toBe('succeeded');
    expect(output.notStarted).toEqual([]);
  });
});

describe('an interrupted rollout', () => {
  it('starts no later environment and ends interrupted', async () => {
    const steps = fakeSteps({ delayMs: 15 });
    const ref: RolloutRef = { runId: 'r1', environments: [env('staging'), env('prod')] };
    const actor = createActor(createRolloutMachine(steps), { input: ref });
    actor.start();
    await seen(steps, 'connect staging-h1');
    actor.send({ type: 'interrupt' });
    const output = await toPromise(actor);
    expect(output.status).toBe('interrupted');
    expect(output.notStarted).toEqual(['prod']);
    expect(output.environments.map((e) => [e.env, e.status])).toEqual([['staging', 'interrupted']]);
    expect(output.reason).toMatch(/^environment staging interrupted: interrupted by the operator/);
    expect(connected(steps).every((h) => h.startsWith('staging-'))).toBe(true);
  });

  it('ends an approval prompt (its signal is aborted) and does not start the environment', async () => {
    const steps = fakeSteps();
    let aborted = false;
    const asking = {
      ...steps,
      approve: (_: { env: string }, signal: AbortSignal) =>
        new Promise<boolean>((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('prompt closed'));
          });
        }),
    };
    const ref: RolloutRef = { runId: 'r2', environments: [env('prod', { approval: true })] };
    const actor = createActor(createRolloutMachine(asking), { input: ref });
    actor.start();
    await new Promise((r) => setTimeout(r, 20));
    actor.send({ type: 'interrupt' });
    const output = await toPromise(actor);
    expect(aborted).toBe(true);
    expect(output).toMatchObject({
      status: 'interrupted',
      notStarted: ['prod'],
      reason: 'interrupted by the operator before environment prod',
    });
    expect(steps.calls).toEqual([]);
  });

  it('ends a soak early and starts no later environment', async () => {
    const steps = fakeSteps();
    const waiting = {
      ...steps,
      soak: (_: { env: string; soakMs: number }, signal: AbortSignal) =>
        new Promise<{ ok: boolean }>((resolve) =>
          signal.addEventListener('abort', () => resolve({ ok: true })),
        ),
    };
    const ref: RolloutRef = {
      runId: 'r3',
      environments: [env('staging', { soakMs: 60_000 }), env('prod')],
    };
    const actor = createActor(createRolloutMachine(waiting), { input: ref });
    actor.start();
    for (let i = 0; i < 300 && actor.getSnapshot().value !== 'soaking'; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(actor.getSnapshot().value).toBe('soaking');
    actor.send({ type: 'interrupt' });
    const output = await toPromise(actor);
    expect(output).toMatchObject({
      status: 'interrupted',
      notStarted: ['prod'],
      reason: 'interrupted by the operator during the soak of staging',
    });
    expect(output.environments.map((e) => e.status)).toEqual(['succeeded']);
  });

  it('is persisted: a run restored from any snapshot after the interrupt ends the same way', async () => {
    const steps = fakeSteps({ delayMs: 5 });
    const ref: RolloutRef = { runId: 'r4', environments: [env('staging'), env('prod')] };
    const codec = new SnapshotCodec();
    const journal: OnceRecord[] = [];
    const after: { snapshot: unknown; journal: OnceRecord[] }[] = [];
    let sent = false;
    const actor = createActor(createRolloutMachine(steps), {
      input: ref,
      inspect: (e) => {
        if (e.type !== '@xstate.snapshot' || !sent) return;
        const slim = codec.slim(actor.getPersistedSnapshot());
        journal.push(...slim.records);
        after.push(JSON.parse(JSON.stringify({ snapshot: slim.snapshot, journal })) as never);
      },
    });
    actor.start();
    await seen(steps, 'connect staging-h2');
    sent = true;
    actor.send({ type: 'interrupt' });
    const output = await toPromise(actor);
    expect(output.status).toBe('interrupted');
    expect(after.length).toBeGreaterThan(3);
    for (const [i, saved] of after.entries()) {
      const restored = createActor(createRolloutMachine(fakeSteps({ delayMs: 1 })), {
        input: ref,
        snapshot: new SnapshotCodec().fatten(saved.snapshot, saved.journal) as Snapshot<unknown>,
      });
      restored.start();
      await expect(toPromise(restored), `snapshot ${i}`).resolves.toEqual(output);
    }
  });

  it('is forgotten by a resume after a stop at once: the resumed run goes on with every host', async () => {
    const ref: RolloutRef = { runId: 'r5', environments: [env('staging'), env('prod')] };
    const steps = fakeSteps({ delayMs: 10 });
    const journal: OnceRecord[] = [];
    let last: SlimSnapshot | undefined;
    const soft = new AbortController();
    const hard = new AbortController();
    const first = runRollout({
      ref,
      steps: steps,
      snapshots: {
        changed: (read) => {
          if (hard.signal.aborted) return; // the process is gone: nothing more is saved
          const s = read();
          journal.push(...s.records);
          last = s;
        },
        final: () => undefined,
      },
      signal: hard.signal,
      interrupt: soft.signal,
    });
    void first.catch(() => undefined);
    await seen(steps, 'connect staging-h2');
    soft.abort(); // Ctrl-C
    await seen(steps, 'verify staging-h2');
    hard.abort(); // Ctrl-C again: the process would exit here
    const saved = JSON.parse(JSON.stringify({ snapshot: last?.snapshot, journal })) as {
      snapshot: unknown;
      journal: OnceRecord[];
    };
    expect(JSON.stringify(saved.snapshot)).toContain('"interrupted":true');
    const resumed = await runRollout({
      ref,
      steps: fakeSteps({ delayMs: 1 }),
      snapshots: { changed: () => undefined, final: () => undefined },
      restore: saved,
    });
    expect(resumed.status).toBe('succeeded');
    expect(resumed.environments.map((e) => [e.env, Object.keys(e.hosts).length])).toEqual([
      ['staging', 6],
      ['prod', 6],
    ]);
  });
});
