// The pool check, once an environment's hosts are done. A pool whose members are all proven is
// checked whole: every member directly with each of the pool's SNI names, then each VIP sampled
// `vipSamples` times per name (enough to reach every member, src/inventory/pools.ts), all on the
// new certificate. A pool in which a member failed is reported mixed (policy stay-mixed), or its
// verified members are rolled back, each drained, restored, proven and returned (rollback-pool).
import { type Pool } from '../../inventory/model.js';
import { REASON } from '../outcome.js';
import { type BindingVerifier } from '../ports.js';
import {
  type BindingStatus,
  type HostOutput,
  type PoolCheckInput,
  type PoolCheckResult,
  type PoolOutcome,
  type VerifyResult,
} from '../types.js';
import { type Lookup } from './lookup.js';

export interface PoolCheckDeps {
  readonly look: Lookup;
  readonly pools: (env: string) => readonly Pool[];
  readonly verifier: BindingVerifier;
  readonly next: string;
  /** Rolls back the given verified bindings of a host (drained around it when in a balancer). */
  readonly rollbackMember: (
    host: string,
    output: HostOutput,
    signal: AbortSignal,
  ) => Promise<HostOutput>;
}

type MemberStatus = BindingStatus | 'not-reached';

function memberStatus(hosts: PoolCheckInput['hosts'], host: string, binding: string): MemberStatus {
  const o = hosts[host]?.bindings[binding];
  if (o === undefined || (o.status === 'skipped' && o.reason === REASON.notReached))
    return 'not-reached';
  return o.status;
}

const isNew = (s: MemberStatus): boolean => s === 'verified' || s === 'skipped';

/** Every member directly, then every VIP sampled; the first failure is the pool's reason. */
async function checkWhole(
  d: PoolCheckDeps,
  pool: Pool,
  signal: AbortSignal,
): Promise<VerifyResult> {
  for (const m of pool.members) {
    const b = d.look.binding(d.look.host(m.host), m.binding);
    const r = await d.verifier.serves(b, d.next, signal);
    if (!r.ok) return { ok: false, reason: `member ${m.host} ${m.binding}: ${r.reason ?? ''}` };
  }
  const names: (string | null)[] = pool.sni.length > 0 ? [...pool.sni] : [null];
  for (const vip of pool.vips) {
    for (const sni of names) {
      const r = await d.verifier.sample(vip, sni, d.next, pool.vipSamples, signal);
      if (!r.ok) return { ok: false, reason: `VIP ${r.reason ?? ''}` };
    }
  }
  const samples = pool.vips.length * names.length * pool.vipSamples;
  return {
    ok: true,
    reason: `${pool.members.length} member(s) directly, ${samples} VIP handshake(s)`,
  };
}

function describe(members: Readonly<Record<string, MemberStatus>>): string {
  return Object.entries(members)
    .map(([m, s]) => `${m} ${s}`)
    .join(', ');
}

export async function poolCheck(
  d: PoolCheckDeps,
  input: PoolCheckInput,
  signal: AbortSignal,
): Promise<PoolCheckResult> {
  const outcomes: PoolOutcome[] = [];
  const changed: Record<string, HostOutput> = {};
  let failed: string | undefined;
  for (const pool of d.pools(input.env)) {
    const hosts = { ...input.hosts, ...changed };
    const members: Record<string, MemberStatus> = {};
    for (const m of pool.members)
      members[`${m.host} ${m.binding}`] = memberStatus(hosts, m.host, m.binding);
    const statuses = Object.values(members);
    if (statuses.every(isNew)) {
      const r = await checkWhole(d, pool, signal);
      if (!r.ok) failed ??= `pool ${pool.name}: ${r.reason ?? ''}`;
      outcomes.push({
        name: pool.name,
        state: r.ok ? 'verified' : 'failed',
        members,
        ...(r.reason !== undefined ? { reason: r.reason } : {}),
      });
      continue;
    }
    const verified = pool.members.filter((m) => members[`${m.host} ${m.binding}`] === 'verified');
    if (verified.length === 0) {
      const undone = statuses.includes('rolled-back') || statuses.includes('needs-attention');
      outcomes.push({
        name: pool.name,
        state: undone ? 'rolled-back' : 'unchanged',
        members,
        reason: describe(members),
      });
      continue;
    }
    if (pool.onMemberFailure === 'stay-mixed') {
      outcomes.push({
        name: pool.name,
        state: 'mixed',
        members,
        reason: `a member failed; the others stay on the new certificate (policy stay-mixed): ${describe(members)}`,
      });
      continue;
    }
    for (const m of verified) {
      const out = hosts[m.host]!;
      const only = { ...out, bindings: { [m.binding]: out.bindings[m.binding]! } };
      const after = await d.rollbackMember(m.host, only, signal);
      changed[m.host] = { ...out, bindings: { ...out.bindings, ...after.bindings } };
      members[`${m.host} ${m.binding}`] = after.bindings[m.binding]?.status ?? 'needs-attention';
    }
    const clean = Object.values(members).every((s) => s !== 'verified' && s !== 'needs-attention');
    outcomes.push({
      name: pool.name,
      state: clean ? 'rolled-back' : 'mixed',
      members,
      reason: `a member failed; the pool was rolled back (policy rollback-pool): ${describe(members)}`,
    });
  }
  return {
    ok: failed === undefined,
    ...(failed !== undefined ? { reason: failed } : {}),
    pools: outcomes,
    ...(Object.keys(changed).length > 0 ? { hosts: changed } : {}),
  };
}
