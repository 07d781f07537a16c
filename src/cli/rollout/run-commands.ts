// Implementations of plan, apply, rollout and resume over prepare (no host), preflight (read-only
// on every host) and apply (the run).
import { existsSync, readFileSync } from 'node:fs';
import { CertrollError } from '../../errors.js';
import { findRun, readRun, resolveStateDir, writeFileAtomic } from '../../journal/index.js';
import { withTransportPool, type TransportPool } from '../../transport/pool.js';
import { EXIT } from '../exit-codes.js';
import { askYesNo } from '../prompt.js';
import { type CommandContext } from '../io.js';
import { applyPlan, assertPlanFresh, lockRun, type ApplyOptions } from './apply.js';
import { type EnvironmentLocks } from '../../journal/index.js';
import { buildPlan, changesPlanned, parsePlan, type PlanDocument } from '../../plan/document.js';
import { captureAll, verifierFor } from '../../rollout/preflight.js';
import { sharedProbe } from '../../probe/shared.js';
import { unitCommands, type PlannedUnit } from '../../plan/commands.js';
import { type CapturedState } from '../../playbooks/index.js';
import { NOTHING_TOUCHED, prepareRollout, type Prepared, type RolloutInputs } from '../../rollout/prepare.js';
import { renderPreview } from './preview.js';

type Options = Record<string, unknown>;
/** What the gate read on each host: the sweep at the end of the command reuses it. */
type Known = ApplyOptions['known'];
const str = (o: Options, k: string): string | undefined =>
  typeof o[k] === 'string' ? o[k] : undefined;
const list = (o: Options, k: string): string[] => (Array.isArray(o[k]) ? (o[k] as string[]) : []);

function inputs(o: Options, fromPlan?: PlanDocument): RolloutInputs {
  const minDays = Number(str(o, 'minDays') ?? '30');
  if (!Number.isInteger(minDays) || minDays < 0)
    throw new CertrollError(
      'USAGE',
      `--min-days must be a whole number of days, not ${String(o['minDays'])}`,
    );
  const key = fromPlan?.bundle.keyPath ?? str(o, 'key');
  const passwordFile = str(o, 'passwordFile');
  const passwordEnv = str(o, 'passwordEnv');
  return {
    inventory: fromPlan?.inventory.path ?? str(o, 'inventory') ?? '',
    cert: fromPlan?.bundle.path ?? str(o, 'cert') ?? '',
    ...(key !== undefined ? { key } : {}),
    chain: fromPlan?.bundle.chainPaths ?? list(o, 'chain'),
    trust: list(o, 'trust'),
    minDays,
    envs: fromPlan?.environments.map((e) => e.name) ?? list(o, 'env'),
    ...(passwordFile !== undefined ? { passwordFile } : {}),
    ...(passwordEnv !== undefined ? { passwordEnv } : {}),
  };
}

/** One connection pool for the command, its limit from the command's environment. */
const withPool = <T>(ctx: CommandContext, fn: (pool: TransportPool) => Promise<T>): Promise<T> =>
  withTransportPool(fn, undefined, { env: ctx.io.env });

/** One connection per host for the whole command, and as many hosts read at once as allowed. */
async function readOptions(prepared: Prepared, pool: TransportPool) {
  const { readConcurrency } = await import('../../discover/rollout-hooks.js');
  return {
    transportFor: pool.lease,
    capture: readConcurrency(prepared.inventory, 8),
    discover: readConcurrency(prepared.inventory),
  };
}

/** `--old` / `--old-bundle`: certificates replaced besides what the bindings serve. */
async function replacedNamed(o: Options, ctx: CommandContext, next: string): Promise<string[]> {
  const { oldSet } = await import('../../discover/command.js');
  const named = await oldSet({ old: list(o, 'old'), ...optionalOld(o) }, ctx.io.cwd);
  if (named?.has(next))
    throw new CertrollError('USAGE', `--old names the certificate being rolled out (${next}).`, {
      hint: 'Name the certificates being replaced, not the new one.',
    });
  return [...(named ?? [])];
}

const optionalOld = (o: Options): { oldBundle?: string } => {
  const b = str(o, 'oldBundle');
  return b !== undefined ? { oldBundle: b } : {};
};

async function makePlan(
  o: Options,
  i: RolloutInputs,
  ctx: CommandContext,
  pool: TransportPool,
  given?: Prepared,
): Promise<{ prepared: Prepared; plan: PlanDocument; known: Known }> {
  const prepared = given ?? (await prepareRollout(i, ctx.io.env));
  const replaces = await replacedNamed(o, ctx, prepared.cert.sha256);
  const read = await readOptions(prepared, pool);
  const units = new Map<string, PlannedUnit[]>();
  // The capture and the gate ask some ports the same question seconds apart: one handshake.
  const probe = sharedProbe();
  const captures = await captureAll(prepared, {
    runId: 'preflight',
    transportFor: read.transportFor,
    concurrency: read.capture,
    verifier: verifierFor(prepared, probe),
    // Every command the run will take, rendered from the capture: a step that cannot be
    // rendered fails the plan, and the plan shows what will run.
    onUnit: (env, host, unit, c) => {
      const leader = host.bindings.find((b) => b.id === unit[0]);
      if (c.alreadyCurrent || leader === undefined) return;
      const { captured } = c.state as { captured: CapturedState };
      const key = `${env.name}/${host.name}`;
      const planned = unitCommands(
        prepared,
        host,
        env.policy.coldStartCheck,
        unit,
        leader,
        captured,
      );
      units.set(key, [...(units.get(key) ?? []), planned]);
    },
  });
  // Coverage gate (issue 6): nothing on the certificate being replaced may be left unlisted.
  const { assertCoverage } = await import('../../discover/rollout-hooks.js');
  const known = await assertCoverage(
    prepared.inventory,
    [
      ...[...captures.values()].map((c) =>
        c.previous !== prepared.cert.sha256 ? c.previous : undefined,
      ),
      ...replaces,
    ],
    NOTHING_TOUCHED,
    {
      trust: prepared.trustPem,
      transportFor: read.transportFor,
      concurrency: read.discover,
      probe,
    },
  );
  const plan = buildPlan(
    prepared.inventory,
    i.inventory,
    {
      path: i.cert,
      ...(i.key !== undefined ? { keyPath: i.key } : {}),
      ...(i.chain !== undefined && i.chain.length > 0 ? { chainPaths: i.chain } : {}),
      ...prepared.cert,
    },
    captures,
    new Date(),
    units,
  );
  return { prepared, plan: replaces.length > 0 ? { ...plan, replaces } : plan, known };
}

export async function runPlan(o: Options, ctx: CommandContext): Promise<number> {
  const { plan } = await withPool(ctx, (pool) => makePlan(o, inputs(o), ctx, pool));
  const out = str(o, 'output');
  if (out !== undefined) writeFileAtomic(out, `${JSON.stringify(plan, null, 2)}\n`);
  if (ctx.global().json) ctx.io.stdout(`${JSON.stringify(plan, null, 2)}\n`);
  else ctx.io.stdout(renderPreview(plan, { commands: o['commands'] === true }));
  return changesPlanned(plan) > 0 ? EXIT.CHANGES : EXIT.OK;
}

export async function runApply(planFile: string, o: Options, ctx: CommandContext): Promise<number> {
  if (!existsSync(planFile))
    throw new CertrollError('INPUT_NOT_FOUND', `No plan file ${planFile}.`, {
      hint: 'Write one with `certroll plan -i INV --cert BUNDLE -o PLAN`.',
    });
  const plan = parsePlan(readFileSync(planFile, 'utf8'), planFile);
  const prepared = await prepareRollout(inputs(o, plan), ctx.io.env);
  return withRunLocks(o, ctx, prepared.inventory.environments, undefined, (locks) =>
    withPool(ctx, async (pool) => {
      const read = await readOptions(prepared, pool);
      // The freshness check and the gate ask some ports the same question: one handshake.
      const probe = sharedProbe();
      await assertPlanFresh(plan, prepared, {
        transportFor: read.transportFor,
        concurrency: read.capture,
        probe,
      });
      const { assertCoverage } = await import('../../discover/rollout-hooks.js');
      const known = await assertCoverage(prepared.inventory, oldOfPlan(plan), NOTHING_TOUCHED, {
        trust: prepared.trustPem,
        transportFor: read.transportFor,
        concurrency: read.discover,
        probe,
      });
      const { exitCode } = await applyPlan(
        plan,
        prepared,
        { ...applyOpts(o, ctx), locks, transportFor: read.transportFor, known },
        ctx.io,
      );
      return exitCode;
    }),
  );
}

export async function runRolloutCommand(o: Options, ctx: CommandContext): Promise<number> {
  const i = inputs(o);
  const prepared = await prepareRollout(i, ctx.io.env);
  return withRunLocks(o, ctx, prepared.inventory.environments, undefined, (locks) =>
    withPool(ctx, async (pool) => {
      const { plan, known } = await makePlan(o, i, ctx, pool, prepared);
      ctx.io.stdout(renderPreview(plan, { commands: o['commands'] === true }));
      if (changesPlanned(plan) === 0) return EXIT.OK;
      if (!(await confirm(o, ctx))) {
        ctx.io.stderr('Not applied. No host was modified.\n');
        return EXIT.FAILED;
      }
      const { exitCode } = await applyPlan(
        plan,
        prepared,
        { ...applyOpts(o, ctx), locks, transportFor: pool.lease, known },
        ctx.io,
      );
      return exitCode;
    }),
  );
}

export async function runResume(run: string, o: Options, ctx: CommandContext): Promise<number> {
  const stateDir = resolveStateDir(str(o, 'stateDir'), ctx.io.env);
  const record = readRun(findRun(stateDir, run));
  const finished = record.journal.records.find((r) => r.type === 'run-finished');
  if (finished !== undefined) {
    const interrupted = finished.data['status'] === 'interrupted';
    throw new CertrollError(
      'USAGE',
      `Run ${record.paths.id} already finished${interrupted ? ' (interrupted: it stopped cleanly)' : ''}.`,
      {
        hint: interrupted
          ? 'Plan and roll out again to finish: the hosts it did are planned as already current.'
          : 'Inspect it with `certroll show RUN`; undo it with `certroll rollback RUN`.',
      },
    );
  }
  const plan = record.plan as PlanDocument;
  const prepared = await prepareRollout(inputs(o, plan), ctx.io.env);
  if (prepared.cert.sha256 !== plan.bundle.sha256) {
    throw new CertrollError(
      'PLAN_STALE',
      `The bundle at ${plan.bundle.path} is no longer the one this run rolls out.`,
      { hint: 'Put the original bundle back to resume, or roll the run back.' },
    );
  }
  const snapshot = existsSync(record.paths.snapshot)
    ? (JSON.parse(readFileSync(record.paths.snapshot, 'utf8')) as unknown)
    : undefined;
  return withRunLocks(o, ctx, prepared.inventory.environments, record.paths.id, async (locks) => {
    const { exitCode } = await applyPlan(
      plan,
      prepared,
      { ...applyOpts(o, ctx), locks, resume: { paths: record.paths, snapshot } },
      ctx.io,
    );
    return exitCode;
  });
}

/** The environments' locks around everything that reads or changes a host (lockRun). */
async function withRunLocks<T>(
  o: Options,
  ctx: CommandContext,
  environments: readonly { readonly name: string }[],
  resumeRunId: string | undefined,
  fn: (locks: EnvironmentLocks) => Promise<T>,
): Promise<T> {
  const locks = lockRun(
    applyOpts(o, ctx).stateDir,
    environments,
    resumeRunId !== undefined ? { runId: resumeRunId } : undefined,
  );
  try {
    return await fn(locks);
  } finally {
    locks.release();
  }
}

/** The certificates a plan replaces: what its bindings served, except the new one. */
const oldOfPlan = (plan: PlanDocument): (string | undefined)[] => [
  ...plan.environments
    .flatMap((e) => e.hosts.flatMap((h) => h.bindings))
    .map((b) => (b.current !== plan.bundle.sha256 ? b.current : undefined)),
  ...(plan.replaces ?? []),
];

function applyOpts(o: Options, ctx: CommandContext) {
  return {
    stateDir: resolveStateDir(str(o, 'stateDir'), ctx.io.env),
    yes: o['yes'] === true,
    approve: list(o, 'approve'),
  };
}

async function confirm(o: Options, ctx: CommandContext): Promise<boolean> {
  if (o['yes'] === true) return true;
  if (!process.stdin.isTTY) {
    ctx.io.stderr(
      'Refusing to apply without confirmation: pass --yes (stdin is not a terminal).\n',
    );
    return false;
  }
  return askYesNo('Apply this plan? [y/N] ');
}
