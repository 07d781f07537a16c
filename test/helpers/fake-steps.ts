// Fake host steps for the workflow machines: pure logic tests, no I/O. Each step records its call
// and behaves as the scenario says; the scenario is plain data so a restored machine can get the
// same behaviour from a fresh set of fakes.
import { CertrollError } from '../../src/errors.js';
import {
  type EnvironmentSteps,
  type HostSteps,
  type RolloutSteps,
  type VerifyResult,
} from '../../src/workflow/types.js';

export interface Scenario {
  readonly unreachable?: readonly string[];
  readonly lockHeld?: readonly string[];
  /** `host/binding` keys. */
  readonly captureFails?: readonly string[];
  readonly alreadyCurrent?: readonly string[];
  readonly stageFails?: readonly string[];
  readonly bindFails?: readonly string[];
  readonly verifyFails?: readonly string[];
  /** Rollback commands that fail and leave the new certificate served. */
  readonly rollbackFails?: readonly string[];
  /** Rollback commands that report a failure although the previous certificate is served again. */
  readonly rollbackReportsFailure?: readonly string[];
  /** `host/binding` keys whose restart fails, or after whose restart the new certificate is gone. */
  readonly restartFails?: readonly string[];
  readonly lostOnRestart?: readonly string[];
  readonly rollbackUnproven?: readonly string[];
  readonly cleanupFails?: readonly string[];
  /** Environments whose approval is refused, and whose soak re-probe fails. */
  readonly denyApproval?: readonly string[];
  readonly soakFails?: readonly string[];
  /** Hosts whose environment-level rollback throws. */
  readonly envRollbackFails?: readonly string[];
  /** `host/binding` keys whose drain, or whose return to the pool, fails. */
  readonly drainFails?: readonly string[];
  readonly returnFails?: readonly string[];
  /** Environments whose pool check fails. */
  readonly poolCheckFails?: readonly string[];
  /** Milliseconds each step takes (lets concurrency be observed). */
  readonly delayMs?: number;
}

export interface FakeSteps extends HostSteps, EnvironmentSteps, RolloutSteps {
  readonly calls: string[];
  /** Highest number of hosts inside connect..release at once. */
  readonly maxConcurrentHosts: () => number;
}

const NEW = 'a'.repeat(64);
const OLD = 'b'.repeat(64);

/** A unit's result: each member's own (keyed `host/binding` in the scenario), ok when all are. */
function perMember(
  host: string,
  bindings: readonly string[],
  one: (key: string) => VerifyResult,
): VerifyResult {
  const results = Object.fromEntries(bindings.map((b) => [b, one(`${host}/${b}`)]));
  const failed = Object.entries(results).find(([, r]) => !r.ok);
  return {
    ok: failed === undefined,
    ...(failed !== undefined ? { reason: `${failed[0]}: ${failed[1].reason ?? ''}` } : {}),
    bindings: results,
  };
}

export function fakeSteps(scenario: Scenario = {}): FakeSteps {
  const calls: string[] = [];
  const active = new Set<string>();
  const restarted = new Set<string>();
  let maxActive = 0;
  const has = (list: readonly string[] | undefined, key: string) => list?.includes(key) === true;
  const step = async (name: string, key: string) => {
    calls.push(`${name} ${key}`);
    if (scenario.delayMs !== undefined) await new Promise((r) => setTimeout(r, scenario.delayMs));
  };
  const verify = (
    failList: readonly string[] | undefined,
    key: string,
    want: string,
    other: string,
  ): VerifyResult =>
    has(failList, key)
      ? { ok: false, observed: other, reason: `served ${other.slice(0, 8)}` }
      : { ok: true, observed: want };

  return {
    calls,
    maxConcurrentHosts: () => maxActive,
    async connect({ host }) {
      await step('connect', host);
      if (has(scenario.unreachable, host)) {
        throw new CertrollError('TRANSPORT_UNREACHABLE', `${host}: connection refused`);
      }
      active.add(host);
      maxActive = Math.max(maxActive, active.size);
    },
    async lockHost({ host }) {
      await step('lock', host);
      if (has(scenario.lockHeld, host))
        throw new CertrollError('LOCK_HELD', `${host} is locked by another run`);
    },
    async capture({ host, binding, bindings }) {
      const key = `${host}/${binding}`;
      await step('capture', bindings === undefined ? key : `${key} [${bindings.join(' ')}]`);
      if (has(scenario.captureFails, key))
        throw new CertrollError('PLAYBOOK_OUTPUT', `capture of ${key} printed garbage`);
      const one = (id: string) => ({
        alreadyCurrent: has(scenario.alreadyCurrent, `${host}/${id}`),
        state: { previous: OLD, key: `${host}/${id}` },
      });
      if (bindings === undefined) return one(binding);
      const members = Object.fromEntries(bindings.map((id) => [id, one(id)]));
      return {
        alreadyCurrent: Object.values(members).every((m) => m.alreadyCurrent),
        state: one(binding).state,
        members,
      };
    },
    async stage({ host }) {
      await step('stage', host);
      if (has(scenario.stageFails, host))
        throw new CertrollError('TRANSPORT_COMMAND_FAILED', `${host}: disk full`);
    },
    async bind({ host, binding, captured }) {
      const key = `${host}/${binding}`;
      await step('bind', key);
      if ((captured as { key?: string } | undefined)?.key !== key)
        throw new Error(`bind ${key} got the wrong capture`);
      if (has(scenario.bindFails, key))
        throw new CertrollError('TRANSPORT_COMMAND_FAILED', `${key}: nginx -t failed`);
    },
    async verify({ host, binding, bindings }) {
      const key = `${host}/${binding}`;
      await step('verify', key);
      const one = (k: string): VerifyResult =>
        restarted.has(key)
          ? { ok: false, observed: OLD, reason: 'serves the old certificate after the restart' }
          : verify(scenario.verifyFails, k, NEW, OLD);
      return bindings === undefined ? one(key) : perMember(host, bindings, one);
    },
    async restart({ host, binding }) {
      const key = `${host}/${binding}`;
      await step('restart', key);
      if (has(scenario.restartFails, key))
        throw new CertrollError('TRANSPORT_COMMAND_FAILED', `${key}: restart failed`);
      if (has(scenario.lostOnRestart, key)) restarted.add(key);
    },
    async drain({ host, binding }) {
      const key = `${host}/${binding}`;
      await step('drain', key);
      if (has(scenario.drainFails, key))
        throw new CertrollError('TRANSPORT_COMMAND_FAILED', `${key}: sessions still open`);
    },
    async returnToPool({ host, binding }) {
      const key = `${host}/${binding}`;
      await step('return', key);
      if (has(scenario.returnFails, key))
        throw new CertrollError('TRANSPORT_COMMAND_FAILED', `${key}: haproxy refused`);
    },
    async poolCheck({ env }) {
      await step('poolCheck', env);
      return has(scenario.poolCheckFails, env)
        ? {
            ok: false,
            reason: 'pool shop: VIP sample 3 of 8 served the old certificate',
            pools: [],
          }
        : { ok: true, pools: [] };
    },
    async rollback({ host, binding }) {
      const key = `${host}/${binding}`;
      await step('rollback', key);
      if (has(scenario.rollbackFails, key))
        throw new CertrollError('TRANSPORT_COMMAND_FAILED', `${key}: backup missing`);
      if (has(scenario.rollbackReportsFailure, key))
        throw new CertrollError('TRANSPORT_COMMAND_FAILED', `${key}: nginx -t failed`);
    },
    async verifyRollback({ host, binding, bindings }) {
      const key = `${host}/${binding}`;
      await step('verifyRollback', key);
      const unproven = [...(scenario.rollbackUnproven ?? []), ...(scenario.rollbackFails ?? [])];
      const one = (k: string) => verify(unproven, k, OLD, NEW);
      return bindings === undefined ? one(key) : perMember(host, bindings, one);
    },
    async cleanup({ host }) {
      await step('cleanup', host);
      if (has(scenario.cleanupFails, host))
        throw new CertrollError('TRANSPORT_COMMAND_FAILED', `${host}: rm failed`);
    },
    async release({ host, locked }) {
      await step(locked ? 'release+unlock' : 'release', host);
      active.delete(host);
    },
    async approve({ env }) {
      await step('approve', env);
      return !has(scenario.denyApproval, env);
    },
    async soak({ env, soakMs }) {
      await step(`soak ${soakMs}ms`, env);
      return has(scenario.soakFails, env)
        ? { ok: false, reason: `${env}: h1/443 serves the old certificate again` }
        : { ok: true };
    },
    async rollbackHost({ host, output }) {
      await step('rollbackHost', host);
      if (has(scenario.envRollbackFails, host))
        throw new CertrollError('TRANSPORT_UNREACHABLE', `${host}: gone`);
      const bindings = Object.fromEntries(
        Object.keys(output.bindings).map((b) => [
          b,
          { status: 'rolled-back' as const, observed: OLD },
        ]),
      );
      return { host, status: 'rolled-back', bindings };
    },
  };
}
