// The host machine over units: bindings staged, bound and undone together, verified and reported
// one by one.
import { createActor, toPromise } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createHostMachine } from '../../../src/workflow/host-machine.js';
import { type HostOutput } from '../../../src/workflow/types.js';
import { fakeSteps, type Scenario } from '../../helpers/fake-steps.js';

// Three ports of one nginx (one unit, led by 443) and a PowerShell binding alone.
const HOST = {
  name: 'web-01',
  bindings: ['443', '8443', '9443', '7147'],
  units: [['443', '8443', '9443'], ['7147']],
};

async function run(scenario: Scenario = {}) {
  const steps = fakeSteps(scenario);
  const actor = createActor(createHostMachine(steps), { input: HOST });
  actor.start();
  const output: HostOutput = await toPromise(actor);
  return { output, calls: steps.calls };
}

const OLD = 'b'.repeat(64);
const NEW = 'a'.repeat(64);

describe('the host machine over units', () => {
  it('captures, binds and verifies a unit once, and reports each binding with its own capture', async () => {
    const { output, calls } = await run();
    expect(calls).toEqual([
      'connect web-01',
      'lock web-01',
      'capture web-01/443 [443 8443 9443]',
      'capture web-01/7147',
      'stage web-01',
      'bind web-01/443',
      'verify web-01/443',
      'bind web-01/7147',
      'verify web-01/7147',
      'cleanup web-01',
      'release+unlock web-01',
    ]);
    expect(output.status).toBe('verified');
    expect(output.bindings['8443']).toEqual({
      status: 'verified',
      observed: NEW,
      captured: { previous: OLD, key: 'web-01/8443' },
    });
    expect(output.bindings['9443']?.captured).toEqual({ previous: OLD, key: 'web-01/9443' });
  });

  it('undoes the whole unit when one of its ports is not proven, and proves each port', async () => {
    const { output, calls } = await run({ verifyFails: ['web-01/9443'] });
    expect(calls.slice(calls.indexOf('verify web-01/443'))).toEqual([
      'verify web-01/443',
      'rollback web-01/443',
      'verifyRollback web-01/443',
      'cleanup web-01',
      'release+unlock web-01',
    ]);
    expect(output.status).toBe('rolled-back');
    expect(output.error?.message).toContain('9443');
    for (const id of ['443', '8443', '9443'])
      expect(output.bindings[id]).toEqual({ status: 'rolled-back', observed: OLD });
    expect(output.bindings['7147']).toEqual({ status: 'skipped', reason: 'not reached' });
  });

  it('marks only the unproven member needs-attention after a rollback', async () => {
    const { output } = await run({
      verifyFails: ['web-01/8443'],
      rollbackUnproven: ['web-01/8443'],
    });
    expect(output.status).toBe('needs-attention');
    expect(output.bindings['8443']?.status).toBe('needs-attention');
    expect(output.bindings['443']?.status).toBe('rolled-back');
    expect(output.bindings['9443']?.status).toBe('rolled-back');
  });

  it('skips a unit only when every member already serves the new certificate', async () => {
    const all = await run({ alreadyCurrent: ['web-01/443', 'web-01/8443', 'web-01/9443'] });
    expect(all.calls).not.toContain('bind web-01/443');
    expect(all.output.bindings['8443']?.status).toBe('skipped');
    const some = await run({ alreadyCurrent: ['web-01/443', 'web-01/8443'] });
    expect(some.calls).toContain('bind web-01/443');
    expect(some.output.bindings['443']?.status).toBe('verified');
  });

  it('undoes earlier units newest first when a later one fails', async () => {
    const { output, calls } = await run({ bindFails: ['web-01/7147'] });
    expect(calls.slice(calls.indexOf('bind web-01/7147'))).toEqual([
      'bind web-01/7147',
      'rollback web-01/7147',
      'verifyRollback web-01/7147',
      'rollback web-01/443',
      'verifyRollback web-01/443',
      'cleanup web-01',
      'release+unlock web-01',
    ]);
    expect(Object.values(output.bindings).map((b) => b.status)).toEqual([
      'rolled-back',
      'rolled-back',
      'rolled-back',
      'rolled-back',
    ]);
  });

  it('undoes a restart-only unit after the certificate units, so the restart sees the previous certificate', async () => {
    // IIS's binding on 443, then a service that loads 443's certificate at start (windows-service)
    // on 9443, then a netsh-http binding whose verification fails.
    const ref = {
      name: 'gw-01',
      bindings: ['443', '9443', '8443'],
      units: [['443'], ['9443'], ['8443']],
      undoLast: ['9443'],
    };
    const steps = fakeSteps({ verifyFails: ['gw-01/8443'] });
    const actor = createActor(createHostMachine(steps), { input: ref });
    actor.start();
    const output: HostOutput = await toPromise(actor);
    expect(steps.calls.slice(steps.calls.indexOf('verify gw-01/8443'))).toEqual([
      'verify gw-01/8443',
      'rollback gw-01/8443',
      'verifyRollback gw-01/8443',
      'rollback gw-01/443',
      'verifyRollback gw-01/443',
      'rollback gw-01/9443',
      'verifyRollback gw-01/9443',
      'cleanup gw-01',
      'release+unlock gw-01',
    ]);
    expect(output.status).toBe('rolled-back');
  });

  it('undoes a restart-only unit whose own bind failed after the certificate unit before it', async () => {
    const ref = { name: 'gw-01', bindings: ['443', '9443'], undoLast: ['9443'] };
    const steps = fakeSteps({ bindFails: ['gw-01/9443'] });
    const actor = createActor(createHostMachine(steps), { input: ref });
    actor.start();
    await toPromise(actor);
    expect(steps.calls.slice(steps.calls.indexOf('bind gw-01/9443'))).toEqual([
      'bind gw-01/9443',
      'rollback gw-01/443',
      'verifyRollback gw-01/443',
      'rollback gw-01/9443',
      'verifyRollback gw-01/9443',
      'cleanup gw-01',
      'release+unlock gw-01',
    ]);
  });
});
