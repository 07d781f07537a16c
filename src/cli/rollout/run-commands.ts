// The commands plan, apply, rollout and resume: options in, the use cases of src/rollout over the
// composition root's adapters, text and an exit code out.
import { recordsOf } from '../../workflow/records.js';
import { existsSync, readFileSync } from 'node:fs';
import { CertrollError } from '../../errors.js';
import {
  findRun,
  readRun,
  resolveStateDir,
  writeFileAtomic,
  type EnvironmentLocks,
} from '../../journal/index.js';
import { osUser } from '../os-user.js';
import { changeInfo, type ChangeInfo } from '../../plan/change.js';
import { changesPlanned, parsePlan, planOf, type PlanDocument } from '../../plan/document.js';
import { lockRun, preflightApply } from '../../rollout/apply-checks.js';
import { makePlan, type MadePlan } from '../../rollout/make-plan.js';
import { type RolloutAdapters } from '../../rollout/ports.js';
import { prepareRollout, type Prepared, type RolloutInputs } from '../../rollout/prepare.js';
import { runNotifier, withAdapters } from '../compose.js';
import { EXIT } from '../exit-codes.js';
import { type CommandContext } from '../io.js';
import { eventStream, outputMode, printOutcome } from '../output.js';
import { askYesNo } from '../prompt.js';
import { renderPreview } from './preview.js';
import { runAndReport } from './run-output.js';

type Options = Record<string, unknown>;
const str = (o: Options, k: string): string | undefined =>
  typeof o[k] === 'string' ? o[k] : undefined;
const list = (o: Options, k: string): string[] => (Array.isArray(o[k]) ? (o[k] as string[]) : []);

function inputs(o: Options, fromPlan?: PlanDocument): RolloutInputs {
  // Checked by the option's parser (options.ts); a plan or a resume has none.
  const minDays = Number(str(o, 'minDays') ?? '30');
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
    // A plan made with --host holds only those hosts; apply and resume keep to them.
    hosts: fromPlan?.environments.flatMap((e) => e.hosts.map((h) => h.name)) ?? list(o, 'host'),
    ...(passwordFile !== undefined ? { passwordFile } : {}),
    ...(passwordEnv !== undefined ? { passwordEnv } : {}),
  };
}

/** `--operator` (default the OS user) and `--ticket` (default the plan's). */
export function changeOf(o: Options, fromPlan?: PlanDocument): ChangeInfo {
  const operator = str(o, 'operator');
  const ticket = str(o, 'ticket');
  return changeInfo(
    {
      ...(operator !== undefined ? { operator } : {}),
      ...(ticket !== undefined ? { ticket } : {}),
    },
    osUser(),
    fromPlan?.change,
  );
}

/** As many hosts read at once as the policies allow (reading changes nothing on a host). */
async function readConcurrency(prepared: Prepared) {
  const { readConcurrency: of } = await import('../../discover/rollout-hooks.js');
  return { capture: of(prepared.inventory, 8), discover: of(prepared.inventory) };
}

/** `--old` / `--old-bundle`: certificates replaced besides what the bindings serve. */
async function replacedNamed(o: Options, ctx: CommandContext, next: string): Promise<string[]> {
  const { oldSet } = await import('../discover-command.js');
  const oldBundle = str(o, 'oldBundle');
  const named = await oldSet(
    { old: list(o, 'old'), ...(oldBundle !== undefined ? { oldBundle } : {}) },
    ctx.io.cwd,
  );
  // A prefix of the new certificate names it too (prefixes are resolved later, by the gate).
  if ([...(named ?? [])].some((s) => next.startsWith(s)))
    throw new CertrollError('USAGE', `--old names the certificate being rolled out (${next}).`, {
      hint: 'Name the certificates being replaced, not the new one.',
    });
  return [...(named ?? [])];
}

async function plan(
  o: Options,
  i: RolloutInputs,
  ctx: CommandContext,
  prepared: Prepared,
  adapters: RolloutAdapters,
): Promise<MadePlan> {
  const change = changeOf(o);
  const made = await makePlan(prepared, {
    adapters,
    inventoryPath: i.inventory,
    bundle: {
      path: i.cert,
      ...(i.key !== undefined ? { keyPath: i.key } : {}),
      ...(i.chain !== undefined ? { chainPaths: i.chain } : {}),
    },
    replaces: await replacedNamed(o, ctx, prepared.cert.sha256),
    concurrency: await readConcurrency(prepared),
  });
  return { ...made, plan: { ...made.plan, change } };
}

export async function runPlan(o: Options, ctx: CommandContext): Promise<number> {
  const i = inputs(o);
  changeOf(o); // a bad --operator or --ticket is refused before any host is read
  // The pool first: a bad connection limit is a usage error, reported before anything is read.
  const { plan: made } = await withAdapters(ctx.io.env, async (adapters) =>
    plan(o, i, ctx, await prepareRollout(i, ctx.io.env), adapters),
  );
  const out = str(o, 'output');
  if (out !== undefined) writeFileAtomic(out, `${JSON.stringify(made, null, 2)}\n`);
  if (ctx.global().json) ctx.io.stdout(`${JSON.stringify(made, null, 2)}\n`);
  else ctx.io.stdout(renderPreview(made, { commands: o['commands'] === true }));
  return changesPlanned(made) > 0 ? EXIT.CHANGES : EXIT.OK;
}

export async function runApply(planFile: string, o: Options, ctx: CommandContext): Promise<number> {
  if (!existsSync(planFile))
    throw new CertrollError('INPUT_NOT_FOUND', `No plan file ${planFile}.`, {
      hint: 'Write one with `certroll plan -i INV --cert BUNDLE -o PLAN`.',
    });
  const doc = parsePlan(readFileSync(planFile, 'utf8'), planFile);
  const change = changeOf(o, doc);
  return withAdapters(ctx.io.env, async (adapters) => {
    const prepared = await prepareRollout(inputs(o, doc), ctx.io.env);
    const notify = await notifyOf(o, ctx, prepared);
    return withRunLocks(o, ctx, prepared, undefined, async (locks) => {
      const concurrency = await readConcurrency(prepared);
      const known = await preflightApply(doc, prepared, {
        adapters,
        concurrency: concurrency.capture,
        discoverConcurrency: concurrency.discover,
      });
      const run = { ...applyOpts(o, ctx), locks, adapters, known, change, ...notify };
      return (await runAndReport(doc, prepared, run, ctx.io)).exitCode;
    });
  });
}

export async function runRolloutCommand(o: Options, ctx: CommandContext): Promise<number> {
  const i = inputs(o);
  const change = changeOf(o);
  return withAdapters(ctx.io.env, async (adapters) => {
    const prepared = await prepareRollout(i, ctx.io.env);
    const notify = await notifyOf(o, ctx, prepared);
    return withRunLocks(o, ctx, prepared, undefined, async (locks) => {
      const { plan: made, known } = await plan(o, i, ctx, prepared, adapters);
      const { output, events } = applyOpts(o, ctx);
      // The preview is the person's; a program gets the plan itself (an event, or in the outcome).
      if (output === 'text')
        ctx.io.stdout(renderPreview(made, { commands: o['commands'] === true }));
      events.event('plan', { plan: made, changes: changesPlanned(made) });
      const ended = (exitCode: number, status: string) => {
        printOutcome(
          ctx.io,
          output,
          events,
          { ok: exitCode === EXIT.OK, exitCode, status, plan: made },
          () => '',
        );
        return exitCode;
      };
      if (changesPlanned(made) === 0) return ended(EXIT.OK, 'nothing-to-do');
      if (!(await confirm(o, ctx))) {
        ctx.io.stderr('Not applied. No host was modified.\n');
        return ended(EXIT.FAILED, 'not-applied');
      }
      const run = {
        ...applyOpts(o, ctx),
        locks,
        adapters,
        known,
        change,
        ...notify,
        events,
        extra: { plan: made },
      };
      return (await runAndReport(made, prepared, run, ctx.io)).exitCode;
    });
  });
}

export async function runResume(run: string, o: Options, ctx: CommandContext): Promise<number> {
  const stateDir = resolveStateDir(str(o, 'stateDir'), ctx.io.env);
  const record = readRun(findRun(stateDir, run));
  const finished = recordsOf(record.journal.records, 'run-finished')[0];
  if (finished !== undefined) {
    const interrupted = finished.data.status === 'interrupted';
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
  const doc = planOf(record.plan, record.paths.plan);
  const change = changeOf(o, doc);
  const prepared = await prepareRollout(inputs(o, doc), ctx.io.env);
  if (prepared.cert.sha256 !== doc.bundle.sha256) {
    throw new CertrollError(
      'PLAN_STALE',
      `The bundle at ${doc.bundle.path} is no longer the one this run rolls out.`,
      { hint: 'Put the original bundle back to resume, or roll the run back.' },
    );
  }
  const notify = await notifyOf(o, ctx, prepared);
  const snapshot = existsSync(record.paths.snapshot)
    ? (JSON.parse(readFileSync(record.paths.snapshot, 'utf8')) as unknown)
    : undefined;
  return withAdapters(ctx.io.env, (adapters) =>
    withRunLocks(o, ctx, prepared, record.paths.id, async (locks) => {
      const resume = { paths: record.paths, snapshot };
      const runOptions = { ...applyOpts(o, ctx), locks, adapters, resume, change, ...notify };
      return (await runAndReport(doc, prepared, runOptions, ctx.io)).exitCode;
    }),
  );
}

/** The inventory's webhooks and `--webhook`s (secrets read now: a missing one stops the command). */
async function notifyOf(o: Options, ctx: CommandContext, prepared: Prepared) {
  const secretEnv = str(o, 'webhookSecretEnv');
  const notify = await runNotifier(
    prepared.inventory,
    {
      urls: list(o, 'webhook'),
      format: str(o, 'webhookFormat') ?? 'json',
      ...(secretEnv !== undefined ? { secretEnv } : {}),
    },
    ctx.io,
  );
  return notify !== undefined ? { notify } : {};
}

function applyOpts(o: Options, ctx: CommandContext) {
  const output = outputMode(o, ctx);
  return {
    stateDir: resolveStateDir(str(o, 'stateDir'), ctx.io.env),
    yes: o['yes'] === true,
    approve: list(o, 'approve'),
    // Checked by the option's parser (options.ts): milliseconds as a decimal string.
    ...(str(o, 'soak') !== undefined ? { soakMs: Number(str(o, 'soak')) } : {}),
    output,
    events: eventStream(ctx.io, output),
  };
}

/** The environments' locks around everything that reads or changes a host (lockRun). */
async function withRunLocks<T>(
  o: Options,
  ctx: CommandContext,
  prepared: Prepared,
  resumeRunId: string | undefined,
  fn: (locks: EnvironmentLocks) => Promise<T>,
): Promise<T> {
  const locks = lockRun(
    applyOpts(o, ctx).stateDir,
    prepared.inventory.environments,
    resumeRunId !== undefined ? { runId: resumeRunId } : undefined,
  );
  try {
    return await fn(locks);
  } finally {
    locks.release();
  }
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
