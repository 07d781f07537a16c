// Which member of each pool serves what during a run, from the step records: the progress line
// and the `pool` event say `pool shop: 1/3 new (web-02, web-03 old)`. A member is new once its
// binding is proven on the wire, old until then (or again, once its rollback is proven), and
// "not proven" when a probe saw neither certificate. Pure.
import { type PlanDocument } from '../../plan/document.js';

export type MemberState = 'new' | 'old' | 'unproven';

/** A pool as the run leaves it after a record; the `pool` event's data. */
export interface PoolPicture {
  readonly env: string;
  readonly pool: string;
  readonly members: number;
  readonly new: readonly string[];
  readonly old: readonly string[];
  readonly unproven: readonly string[];
  /** `pool shop: 1/3 new (web-02, web-03 old)`. */
  readonly text: string;
}

interface Member {
  readonly host: string;
  /** The leader of the member binding's unit: the binding the records name. */
  readonly leader: string;
  readonly label: string;
  /** What the binding served before the run (plan), to tell "old" from "something else". */
  readonly current: string | undefined;
  state: MemberState;
}

interface TrackedPool {
  readonly env: string;
  readonly name: string;
  readonly members: readonly Member[];
}

export function poolText(p: Omit<PoolPicture, 'text'>): string {
  const parts = [
    ...(p.old.length > 0 ? [`${p.old.join(', ')} old`] : []),
    ...(p.unproven.length > 0 ? [`${p.unproven.join(', ')} not proven`] : []),
  ];
  const head = `pool ${p.pool}: ${p.new.length}/${p.members} new`;
  return parts.length === 0 ? head : `${head} (${parts.join('; ')})`;
}

function picture(p: TrackedPool): PoolPicture {
  const of = (s: MemberState) => p.members.filter((m) => m.state === s).map((m) => m.label);
  const base = {
    env: p.env,
    pool: p.name,
    members: p.members.length,
    new: of('new'),
    old: of('old'),
    unproven: of('unproven'),
  };
  return { ...base, text: poolText(base) };
}

function trackedPools(plan: PlanDocument): TrackedPool[] {
  return plan.environments.flatMap((env) =>
    (env.pools ?? []).map((pool) => {
      const refs = pool.members.map((m) => {
        const [host = '', binding = ''] = m.split(' ');
        return { host, binding };
      });
      // A pool with two members on one host names them by binding.
      const shared = new Set(refs.map((r) => r.host)).size < refs.length;
      const members = refs.map(({ host, binding }): Member => {
        const h = env.hosts.find((x) => x.name === host);
        const planned = h?.bindings.find((b) => b.id === binding);
        const unit = h?.units?.find((u) => u.bindings.includes(binding));
        return {
          host,
          leader: unit?.bindings[0] ?? binding,
          label: shared ? `${host} ${binding}` : host,
          current: planned?.current,
          state: planned?.action === 'skip' ? 'new' : 'old',
        };
      });
      return { env: env.name, name: pool.name, members };
    }),
  );
}

/** The state a verify or verifyRollback record leaves a member's binding in. */
function stateOf(
  type: string,
  data: Record<string, unknown>,
  next: string,
  current: string | undefined,
): MemberState {
  const step = data['step'];
  if (type === 'step-finished' && data['ok'] === true) return step === 'verify' ? 'new' : 'old';
  const observed = typeof data['observed'] === 'string' ? data['observed'] : undefined;
  if (observed === next) return 'new';
  if (observed !== undefined && observed === current) return 'old';
  return 'unproven';
}

/**
 * Feeds on the run's records; returns the pools whose picture a record changed (none for most
 * records), so callers draw or emit only what moved.
 */
export function poolTracker(plan: PlanDocument): {
  record(type: string, data: Record<string, unknown>): PoolPicture[];
} {
  const pools = trackedPools(plan);
  const next = plan.bundle.sha256;
  return {
    record(type, data) {
      const step = data['step'];
      if (step !== 'verify' && step !== 'verifyRollback') return [];
      if (type !== 'step-finished' && type !== 'step-failed') return [];
      const { host, binding } = data;
      const changed = pools.filter((p) => {
        let moved = false;
        for (const m of p.members) {
          if (m.host !== host || m.leader !== binding) continue;
          const state = stateOf(type, data, next, m.current);
          moved ||= state !== m.state;
          m.state = state;
        }
        return moved;
      });
      return changed.map(picture);
    },
  };
}
