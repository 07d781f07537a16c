import { describe, expect, it } from 'vitest';
import { type Binding, type Host, type Pool } from '../../../src/inventory/model.js';
import { type BindingVerifier } from '../../../src/workflow/ports.js';
import { poolCheck, type PoolCheckDeps } from '../../../src/workflow/steps/pool-check.js';
import { type HostOutput } from '../../../src/workflow/types.js';

const NEW = 'a'.repeat(64);
const OLD = 'b'.repeat(64);

const pool = (onMemberFailure: Pool['onMemberFailure']): Pool => ({
  name: 'shop',
  members: ['web-1', 'web-2', 'web-3'].map((h, i) => ({
    host: h,
    binding: `${h}:443`,
    address: `10.0.0.${i + 1}`,
    port: 443,
  })),
  vips: [{ address: '10.0.0.100', port: 443 }],
  sni: ['shop.example.com'],
  vipSamples: 15,
  onMemberFailure,
  origin: {},
});

const binding = (host: string): Binding =>
  ({
    id: `${host}:443`,
    probe: { address: host, port: 443, sni: ['shop.example.com'] },
  }) as unknown as Binding;

function deps(p: Pool, vip: 'new' | 'odd' = 'new') {
  const calls: string[] = [];
  const verifier = {
    serves: (b: Binding) => {
      calls.push(`serves ${b.id}`);
      return Promise.resolve({ ok: true, observed: NEW });
    },
    sample: (_e: unknown, sni: string | null, _sha: string, n: number) => {
      calls.push(`sample ${sni ?? '-'} ×${n}`);
      return Promise.resolve(
        vip === 'new'
          ? { ok: true }
          : { ok: false, reason: '10.0.0.100:443 sample 4 of 15: serves bbbb' },
      );
    },
  } as unknown as BindingVerifier;
  const d: PoolCheckDeps = {
    look: {
      host: (name: string) => ({ name }) as Host,
      binding: (h: Host) => binding(h.name),
    } as unknown as PoolCheckDeps['look'],
    pools: () => [p],
    verifier,
    next: NEW,
    rollbackMember: (host, output) => {
      calls.push(`rollback ${host}`);
      return Promise.resolve({
        ...output,
        bindings: { [`${host}:443`]: { status: 'rolled-back', observed: OLD } },
      });
    },
  };
  return { d, calls };
}

const out = (host: string, status: 'verified' | 'rolled-back'): HostOutput => ({
  host,
  status,
  bindings: { [`${host}:443`]: { status, observed: status === 'verified' ? NEW : OLD } },
});

const signal = new AbortController().signal;

describe('the pool check', () => {
  it('proves every member directly, then samples the VIP, when every member is on the new certificate', async () => {
    const { d, calls } = deps(pool('stay-mixed'));
    const hosts = {
      'web-1': out('web-1', 'verified'),
      'web-2': out('web-2', 'verified'),
      'web-3': out('web-3', 'verified'),
    };
    const r = await poolCheck(d, { env: 'prod', hosts }, signal);
    expect(r.ok).toBe(true);
    expect(r.pools[0]).toMatchObject({ name: 'shop', state: 'verified' });
    expect(calls).toEqual([
      'serves web-1:443',
      'serves web-2:443',
      'serves web-3:443',
      'sample shop.example.com ×15',
    ]);
  });

  it('fails the environment when a VIP sample serves something else', async () => {
    const { d } = deps(pool('stay-mixed'), 'odd');
    const hosts = {
      'web-1': out('web-1', 'verified'),
      'web-2': out('web-2', 'verified'),
      'web-3': out('web-3', 'verified'),
    };
    const r = await poolCheck(d, { env: 'prod', hosts }, signal);
    expect(r.ok).toBe(false);
    expect(r.reason).toContain('pool shop: VIP 10.0.0.100:443 sample 4 of 15');
    expect(r.pools[0]?.state).toBe('failed');
  });

  it('reports a pool mixed after a member failed (stay-mixed), touching nothing', async () => {
    const { d, calls } = deps(pool('stay-mixed'));
    const hosts = { 'web-1': out('web-1', 'verified'), 'web-2': out('web-2', 'rolled-back') };
    const r = await poolCheck(d, { env: 'prod', hosts }, signal);
    expect(r.ok).toBe(true);
    expect(r.pools[0]).toMatchObject({
      state: 'mixed',
      members: {
        'web-1 web-1:443': 'verified',
        'web-2 web-2:443': 'rolled-back',
        'web-3 web-3:443': 'not-reached',
      },
    });
    expect(calls).toEqual([]);
  });

  it('rolls the verified members back after a member failed (rollback-pool)', async () => {
    const { d, calls } = deps(pool('rollback-pool'));
    const hosts = { 'web-1': out('web-1', 'verified'), 'web-2': out('web-2', 'rolled-back') };
    const r = await poolCheck(d, { env: 'prod', hosts }, signal);
    expect(calls).toEqual(['rollback web-1']);
    expect(r.pools[0]).toMatchObject({
      state: 'rolled-back',
      members: { 'web-1 web-1:443': 'rolled-back' },
    });
    expect(r.hosts?.['web-1']?.bindings['web-1:443']?.status).toBe('rolled-back');
  });
});
