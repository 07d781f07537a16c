import { describe, expect, it } from 'vitest';
import { judgeDemo, type ServedNow } from '../../../src/demo/outcome.js';
import { type BindingStatus, type RolloutOutput } from '../../../src/workflow/types.js';

const OLD = 'a'.repeat(64);
const NEW = 'b'.repeat(64);
const expectations = { failing: 'h2/api', failingHost: 'h2', oldSha: OLD, newSha: NEW };

function output(statuses: Record<string, BindingStatus>, status: 'failed' | 'succeeded') {
  const hosts: Record<string, { host: string; status: 'verified'; bindings: object }> = {};
  for (const [id, s] of Object.entries(statuses)) {
    const host = id.split('/')[0]!;
    hosts[host] ??= { host, status: 'verified', bindings: {} };
    (hosts[host].bindings as Record<string, object>)[id] = { status: s };
  }
  return {
    runId: 'r',
    status,
    environments: [{ env: 'e', status: 'failed', hosts, notStarted: [], failures: 1 }],
    notStarted: [],
  } as unknown as RolloutOutput;
}
const served = (shas: Record<string, string | undefined>): ServedNow[] =>
  Object.entries(shas).map(([binding, sha256]) => ({
    binding,
    host: binding.split('/')[0]!,
    ...(sha256 !== undefined ? { sha256 } : {}),
  }));

describe('judging the demo', () => {
  const good = output(
    {
      'h1/www': 'verified',
      'h1/api': 'verified',
      'h2/www': 'rolled-back',
      'h2/api': 'rolled-back',
    },
    'failed',
  );

  it('passes when the failing binding and its host-mates are restored and the rest verified', () => {
    const v = judgeDemo(
      good,
      served({ 'h1/www': NEW, 'h1/api': NEW, 'h2/www': OLD, 'h2/api': OLD }),
      expectations,
    );
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.verified).toEqual(['h1/www', 'h1/api']);
    expect(v.rolledBack).toEqual(['h2/www', 'h2/api']);
  });

  it('fails when a port serves something else than its outcome says', () => {
    const v = judgeDemo(
      good,
      served({ 'h1/www': NEW, 'h1/api': undefined, 'h2/www': OLD, 'h2/api': NEW }),
      expectations,
    );
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([
      'h1/api: serves nothing now, expected the new certificate',
      'h2/api: serves bbbbbbbbbbbb now, expected the old certificate',
    ]);
  });

  it('fails when the failing binding was not rolled back or everything succeeded', () => {
    const v = judgeDemo(
      output({ 'h1/www': 'verified', 'h2/api': 'needs-attention' }, 'failed'),
      served({ 'h1/www': NEW, 'h2/api': OLD }),
      expectations,
    );
    expect(v.problems).toContain('h2/api: needs-attention, expected rolled-back');
    const all = judgeDemo(
      output({ 'h1/www': 'verified', 'h2/api': 'verified' }, 'succeeded'),
      served({ 'h1/www': NEW, 'h2/api': NEW }),
      expectations,
    );
    expect(all.ok).toBe(false);
    expect(all.problems).toContain('the rollout was expected to report the failed binding');
  });
});
