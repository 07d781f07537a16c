import { createActor, toPromise } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createHostMachine } from '../../../src/workflow/host-machine.js';
import { type HostOutput } from '../../../src/workflow/types.js';
import { fakeSteps, type Scenario } from '../../helpers/fake-steps.js';

const HOST = { name: 'web-01', bindings: ['443', '8443', '7147'] };

async function run(scenario: Scenario = {}, coldStart = false) {
  const steps = fakeSteps(scenario);
  const actor = createActor(createHostMachine(steps), { input: { ...HOST, coldStart } });
  actor.start();
  const output: HostOutput = await toPromise(actor);
  return { output, calls: steps.calls };
}

describe('the host machine', () => {
  it('captures every binding before staging, then binds and verifies each in order', async () => {
    const { output, calls } = await run();
    expect(calls).toEqual([
      'connect web-01',
      'lock web-01',
      'capture web-01/443',
      'capture web-01/8443',
      'capture web-01/7147',
      'stage web-01',
      'bind web-01/443',
      'verify web-01/443',
      'bind web-01/8443',
      'verify web-01/8443',
      'bind web-01/7147',
      'verify web-01/7147',
      'cleanup web-01',
      'release+unlock web-01',
    ]);
    expect(output.status).toBe('verified');
    expect(Object.values(output.bindings).map((b) => b.status)).toEqual([
      'verified',
      'verified',
      'verified',
    ]);
  });

  it('undoes every touched binding newest first when a verification fails, and proves each undo', async () => {
    const { output, calls } = await run({ verifyFails: ['web-01/8443'] });
    expect(calls.slice(calls.indexOf('verify web-01/8443'))).toEqual([
      'verify web-01/8443',
      'rollback web-01/8443',
      'verifyRollback web-01/8443',
      'rollback web-01/443',
      'verifyRollback web-01/443',
      'cleanup web-01',
      'release+unlock web-01',
    ]);
    expect(output.status).toBe('rolled-back');
    expect(output.bindings).toEqual({
      '443': { status: 'rolled-back', observed: 'b'.repeat(64) },
      '8443': { status: 'rolled-back', observed: 'b'.repeat(64) },
      '7147': { status: 'skipped', reason: 'not reached' },
    });
    expect(output.error).toMatchObject({ code: 'PROBE_FAILED' });
    expect(output.error?.message).toContain('web-01 8443');
  });

  it('rolls back a binding whose bind step failed part-way', async () => {
    const { output, calls } = await run({ bindFails: ['web-01/443'] });
    expect(calls).toContain('rollback web-01/443');
    expect(output.bindings['443']).toMatchObject({ status: 'rolled-back' });
    expect(output.error).toMatchObject({ code: 'TRANSPORT_COMMAND_FAILED' });
  });

  it('keeps unwinding after a failed undo and marks that binding as needing attention', async () => {
    const { output, calls } = await run({
      verifyFails: ['web-01/7147'],
      rollbackFails: ['web-01/8443'],
    });
    expect(calls).toContain('rollback web-01/443');
    expect(output.status).toBe('needs-attention');
    expect(output.bindings['8443']).toMatchObject({
      status: 'needs-attention',
      reason: expect.stringContaining('backup missing'),
    });
    expect(output.bindings['8443']?.reason).toContain('previous certificate not proven');
    expect(output.bindings['443']).toMatchObject({ status: 'rolled-back' });
  });

  it('judges a rollback whose command failed by the probe: the previous certificate served is rolled-back', async () => {
    const { output, calls } = await run({
      verifyFails: ['web-01/7147'],
      rollbackReportsFailure: ['web-01/8443'],
    });
    expect(calls).toContain('verifyRollback web-01/8443');
    expect(output.status).toBe('rolled-back');
    expect(output.bindings['8443']).toMatchObject({
      status: 'rolled-back',
      observed: 'b'.repeat(64),
      reason: expect.stringContaining('nginx -t failed'),
    });
  });

  it('marks a binding needing attention when the old certificate is not seen after its rollback', async () => {
    const { output } = await run({ verifyFails: ['web-01/443'], rollbackUnproven: ['web-01/443'] });
    expect(output.status).toBe('needs-attention');
    expect(output.bindings['443']).toMatchObject({
      status: 'needs-attention',
      observed: 'a'.repeat(64),
    });
  });

  it('reports an unreachable host without locking or touching it', async () => {
    const { output, calls } = await run({ unreachable: ['web-01'] });
    expect(calls).toEqual(['connect web-01', 'release web-01']);
    expect(output.status).toBe('unreachable');
    expect(output.error).toMatchObject({ code: 'TRANSPORT_UNREACHABLE' });
  });

  it('leaves a host whose lock is held untouched and does not remove the other run’s lock', async () => {
    const { output, calls } = await run({ lockHeld: ['web-01'] });
    expect(calls).toEqual(['connect web-01', 'lock web-01', 'release web-01']);
    expect(output.status).toBe('untouched');
  });

  it('changes nothing when a capture fails', async () => {
    const { output, calls } = await run({ captureFails: ['web-01/8443'] });
    expect(calls.some((c) => c.startsWith('stage') || c.startsWith('bind'))).toBe(false);
    expect(output.status).toBe('untouched');
    expect(output.error).toMatchObject({ code: 'PLAYBOOK_OUTPUT' });
  });

  it('cleans up after a failed stage without binding anything', async () => {
    const { output, calls } = await run({ stageFails: ['web-01'] });
    expect(calls.slice(-3)).toEqual(['stage web-01', 'cleanup web-01', 'release+unlock web-01']);
    expect(output.status).toBe('untouched');
  });

  it('skips a binding that already serves the new certificate', async () => {
    const { output, calls } = await run({ alreadyCurrent: ['web-01/8443'] });
    expect(calls).not.toContain('bind web-01/8443');
    expect(output.bindings['8443']).toEqual({
      status: 'skipped',
      reason: 'already serves the new certificate',
    });
    expect(output.status).toBe('verified');
  });

  it('does not stage when every binding is already current', async () => {
    const { calls } = await run({ alreadyCurrent: ['web-01/443', 'web-01/8443', 'web-01/7147'] });
    expect(calls.some((c) => c.startsWith('stage'))).toBe(false);
  });

  it('needs attention when cleanup fails, since key material may remain on the host', async () => {
    const { output } = await run({ cleanupFails: ['web-01'] });
    expect(output.status).toBe('needs-attention');
  });

  it('restarts each service and verifies it again when the cold-start check is on', async () => {
    const { output, calls } = await run({}, true);
    expect(
      calls.slice(calls.indexOf('bind web-01/443'), calls.indexOf('bind web-01/8443')),
    ).toEqual(['bind web-01/443', 'verify web-01/443', 'restart web-01/443', 'verify web-01/443']);
    expect(output.status).toBe('verified');
  });

  it('does not restart anything when the cold-start check is off', async () => {
    const { calls } = await run();
    expect(calls.some((c) => c.startsWith('restart'))).toBe(false);
  });

  it('rolls back a binding that serves the new certificate only until its service restarts', async () => {
    const { output, calls } = await run({ lostOnRestart: ['web-01/8443'] }, true);
    expect(calls).toContain('rollback web-01/8443');
    expect(calls).toContain('rollback web-01/443');
    expect(output.status).toBe('rolled-back');
    expect(output.error?.message).toContain('after a restart (cold-start check)');
  });

  it('undoes the host when a restart fails', async () => {
    const { output } = await run({ restartFails: ['web-01/443'] }, true);
    expect(output.status).toBe('rolled-back');
    expect(output.error).toMatchObject({
      code: 'TRANSPORT_COMMAND_FAILED',
      message: 'web-01/443: restart failed',
    });
  });
});
