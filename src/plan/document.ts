// The plan document: every binding's current state and action, pinned to the bundle's
// fingerprint, the inventory's digest and each binding's captured state (by digest). `apply`
// refuses it when any pin moved. It holds no secret: rendered scripts are checked for key
// material by the renderer, and PFX data never enters a plan.
import { type CertSummary } from '../cert/identity.js';
import { resolve } from 'node:path';
import { CertrollError } from '../errors.js';
import {
  type Exclusion,
  type Inventory,
  type Pool,
  type RolloutPolicy,
} from '../inventory/model.js';
import { stateDigest, type PlanPins } from './pins.js';
import { type PlannedUnit } from './commands.js';
import { type ChangeInfo } from './change.js';

export const PLAN_VERSION = 1;

export interface PlannedBinding {
  readonly id: string;
  readonly port: number;
  readonly kind: string;
  readonly sni: readonly string[];
  /** SHA-256 served before the rollout (undefined: no answer). */
  readonly current?: string;
  /** When that certificate expires (ISO 8601), as the plan's probe saw it. */
  readonly currentNotAfter?: string;
  readonly action: 'replace' | 'skip';
  readonly capturedDigest: string;
}

export interface PlanDocument {
  readonly version: number;
  readonly createdAt: string;
  readonly inventory: { readonly path: string; readonly digest: string };
  readonly bundle: CertSummary & {
    readonly path: string;
    /** Separate key and chain files of a PEM bundle, as given to `plan`. */
    readonly keyPath?: string;
    readonly chainPaths?: readonly string[];
  };
  /**
   * Certificates named as replaced with `--old` / `--old-bundle` (SHA-256), besides what the
   * bindings serve: the coverage gate and the sweep look for them too.
   */
  readonly replaces?: readonly string[];
  /** Who made the plan and for which change ticket (`--operator`, `--ticket`). */
  readonly change?: ChangeInfo;
  readonly environments: readonly {
    readonly name: string;
    /** The environment's policy as the inventory gave it (for the reader: apply takes it from the inventory). */
    readonly policy?: RolloutPolicy;
    readonly hosts: readonly {
      readonly name: string;
      readonly address: string;
      /** Ports the inventory excludes on this host, each with its reason. */
      readonly exclusions?: readonly Exclusion[];
      readonly bindings: readonly PlannedBinding[];
      /** The commands the run takes for each unit that changes (plan-commands.ts). */
      readonly units?: readonly PlannedUnit[];
    }[];
    /** The environment's pools: how each is rolled and checked (absent when it has none). */
    readonly pools?: readonly PlannedPool[];
  }[];
}

export interface PlannedPool {
  readonly name: string;
  /** `host binding`, in rollout order. */
  readonly members: readonly string[];
  readonly vips: readonly string[];
  readonly vipSamples: number;
  /** `haproxy on lb-01`, `command on lb-01`; absent: members are not drained. */
  readonly balancer?: string;
  readonly onMemberFailure: string;
}

function plannedPools(pools: readonly Pool[]): PlannedPool[] {
  return pools.map((p) => ({
    name: p.name,
    members: p.members.map((m) => `${m.host} ${m.binding}`),
    vips: p.vips.map((v) => `${v.address}:${v.port}`),
    vipSamples: p.vipSamples,
    ...(p.balancer !== undefined ? { balancer: `${p.balancer.kind} on ${p.balancer.host}` } : {}),
    onMemberFailure: p.onMemberFailure,
  }));
}

export interface CapturedBinding {
  readonly alreadyCurrent: boolean;
  readonly previous?: string;
  /** The previous certificate's notAfter (ISO 8601), when the probe that saw it is known. */
  readonly previousNotAfter?: string;
  readonly state: unknown;
}

export const bindingKey = (env: string, host: string, binding: string) =>
  `${env}/${host}/${binding}`;

export function buildPlan(
  inventory: Inventory,
  inventoryPath: string,
  bundle: PlanDocument['bundle'],
  captures: ReadonlyMap<string, CapturedBinding>,
  now: Date = new Date(),
  /** Keyed `env/host`: the commands of the host's units that change. */
  units: ReadonlyMap<string, readonly PlannedUnit[]> = new Map(),
): PlanDocument {
  return {
    version: PLAN_VERSION,
    createdAt: now.toISOString(),
    inventory: { path: resolve(inventoryPath), digest: inventory.digest },
    bundle: { ...bundle, path: resolve(bundle.path) },
    environments: inventory.environments.map((e) => ({
      name: e.name,
      policy: e.policy,
      hosts: e.hosts.map((h) => ({
        name: h.name,
        address: h.address,
        ...(h.exclusions.length > 0 ? { exclusions: h.exclusions } : {}),
        ...(units.has(`${e.name}/${h.name}`) ? { units: units.get(`${e.name}/${h.name}`) } : {}),
        bindings: h.bindings.map((b) => {
          const c = captures.get(bindingKey(e.name, h.name, b.id));
          if (c === undefined)
            throw new CertrollError(
              'INTERNAL',
              `no capture for ${bindingKey(e.name, h.name, b.id)}`,
            );
          return {
            id: b.id,
            port: b.port,
            kind: b.kind,
            sni: b.probe.sni,
            ...(c.previous !== undefined ? { current: c.previous } : {}),
            ...(c.previousNotAfter !== undefined ? { currentNotAfter: c.previousNotAfter } : {}),
            action: c.alreadyCurrent ? 'skip' : 'replace',
            capturedDigest: stateDigest(c.state),
          } satisfies PlannedBinding;
        }),
      })),
      ...((e.pools?.length ?? 0) > 0 ? { pools: plannedPools(e.pools ?? []) } : {}),
    })),
  };
}

export function planPins(plan: PlanDocument): PlanPins {
  const captures: Record<string, string> = {};
  for (const e of plan.environments)
    for (const h of e.hosts)
      for (const b of h.bindings) captures[bindingKey(e.name, h.name, b.id)] = b.capturedDigest;
  return { bundleSha256: plan.bundle.sha256, inventoryDigest: plan.inventory.digest, captures };
}

export const changesPlanned = (plan: PlanDocument): number =>
  plan.environments
    .flatMap((e) => e.hosts.flatMap((h) => h.bindings))
    .filter((b) => b.action === 'replace').length;

/** The rollout machine's input for a plan, with each environment's policy from the inventory. */
export function parsePlan(text: string, file: string): PlanDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CertrollError('PLAN_INVALID', `${file} is not a certroll plan (not JSON).`, {
      file,
      cause: error,
      hint: 'Make a plan with `certroll plan -i INV --cert BUNDLE -o PLAN`.',
    });
  }
  return planOf(value, file);
}

/** A plan document read back (a run folder's copy), checked as a plan file is. */
export function planOf(value: unknown, file: string): PlanDocument {
  const plan = value as Partial<PlanDocument>;
  if (
    plan.version !== PLAN_VERSION ||
    !Array.isArray(plan.environments) ||
    plan.bundle === undefined ||
    plan.inventory === undefined
  ) {
    throw new CertrollError(
      'PLAN_INVALID',
      `${file} is not a certroll plan of version ${PLAN_VERSION}.`,
      {
        file,
        hint: 'Make a new plan with this certroll version: `certroll plan -i INV --cert BUNDLE -o PLAN`.',
      },
    );
  }
  return plan as PlanDocument;
}
