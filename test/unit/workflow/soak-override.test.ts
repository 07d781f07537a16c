// `--soak`: one soak for every environment of a run instead of each policy's, and the summary's
// warning naming what was not waited for.
import { describe, expect, it } from 'vitest';
import { soakDuration } from '../../../src/cli/commands/rollout.js';
import { runOutcomeJson, soakWarning } from '../../../src/cli/rollout/run-output.js';
import { overrideSoak } from '../../../src/workflow/ref.js';
import { type RolloutEnvironmentRef, type RolloutRef } from '../../../src/workflow/types.js';

const env = (name: string, soakMs: number): RolloutEnvironmentRef => ({
  name,
  hosts: [{ name: `${name}-1`, bindings: ['443'] }],
  canary: [],
  batchSize: 1,
  concurrency: 1,
  failureBudget: 0,
  onFailure: 'halt',
  approval: false,
  soakMs,
});

const ref: RolloutRef = {
  runId: 'r1',
  environments: [env('dev', 0), env('staging', 120_000), env('production', 300_000)],
};

describe('--soak', () => {
  it('gives every environment the one soak and names the policies it replaced', () => {
    const { ref: out, replaced } = overrideSoak(ref, 0);
    expect(out.environments.map((e) => e.soakMs)).toEqual([0, 0, 0]);
    expect(replaced).toEqual([
      { env: 'staging', policyMs: 120_000 },
      { env: 'production', policyMs: 300_000 },
    ]);
    // Nothing else of the environments changes, and the input is left as it was.
    expect(out.environments.map(({ soakMs: _s, ...e }) => e)).toEqual(
      ref.environments.map(({ soakMs: _s, ...e }) => e),
    );
    expect(ref.environments.map((e) => e.soakMs)).toEqual([0, 120_000, 300_000]);
  });

  it('can lengthen a soak too', () => {
    const { ref: out, replaced } = overrideSoak(ref, 300_000);
    expect(out.environments.map((e) => e.soakMs)).toEqual([300_000, 300_000, 300_000]);
    expect(replaced.map((r) => r.env)).toEqual(['dev', 'staging']);
  });

  it('warns in the summary with the soaks not waited for, and says nothing when none changed', () => {
    const { replaced } = overrideSoak(ref, 0);
    expect(soakWarning({ ms: 0, replaced })).toBe(
      "warning: --soak 0s replaced the policy's soak (staging 2m, production 5m): no soak and no re-probe after those environments\n",
    );
    expect(soakWarning({ ms: 30_000, replaced: overrideSoak(ref, 30_000).replaced })).toBe(
      "warning: --soak 30s replaced the policy's soak (dev 0s, staging 2m, production 5m): a soak of 30s after each\n",
    );
    expect(
      soakWarning({
        ms: 0,
        replaced: overrideSoak({ ...ref, environments: [env('dev', 0)] }, 0).replaced,
      }),
    ).toBe('');
    expect(soakWarning(undefined)).toBe('');
  });

  it('is in the outcome document for programs (--json, the jsonl outcome event)', () => {
    const soakOverride = { ms: 0, replaced: overrideSoak(ref, 0).replaced };
    const outcome = {
      runId: 'r1',
      dir: '/tmp/r1',
      status: 'succeeded' as const,
      output: { runId: 'r1', status: 'succeeded' as const, environments: [], notStarted: [] },
      soakOverride,
    };
    expect(runOutcomeJson(outcome, 0)['soakOverride']).toEqual(soakOverride);
    expect(runOutcomeJson({ ...outcome, soakOverride: undefined }, 0)).not.toHaveProperty(
      'soakOverride',
    );
  });

  it('takes a duration with its unit, as the inventory writes a soak, up to a day', () => {
    expect(['0s', '30s', '2m', '1h30m', '24h'].map(soakDuration)).toEqual([
      '0',
      '30000',
      '120000',
      '5400000',
      '86400000',
    ]);
    for (const bad of ['300', '', '25h', '2 m', '-1s', 'soon'])
      expect(() => soakDuration(bad), bad).toThrow('expected a duration with its unit');
  });
});
