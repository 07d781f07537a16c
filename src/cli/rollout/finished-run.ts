// `certroll rollback RUN` and `certroll purge RUN`: acting on a finished run. Rollback restores
// the previous binding of every binding the run verified (optionally one environment or host),
// newest first, under the environment and host locks, and proves each with a probe; the captures
// it restores from are the ones the run kept in its persisted state. Purge removes what the run
// left on the hosts for a later rollback (the backups of the previous files).
import { existsSync, readFileSync } from 'node:fs';
import { CertrollError } from '../../errors.js';
import {
  lockEnvironments,
  findRun,
  Journal,
  locksDir,
  readRun,
  resolveStateDir,
  type RunRecord,
} from '../../journal/index.js';
import { createTransport } from '../../transport/factory.js';
import { createRolloutSteps, type RolloutStepsImpl } from '../../workflow/steps.js';
import { type EnvironmentOutput, type HostOutput } from '../../workflow/types.js';
import { probeVerifier } from '../../probe/verifier.js';
import { trustAnchors } from '../../cert/input.js';
import { EXIT } from '../exit-codes.js';
import { type CommandContext } from '../io.js';
import { onInterrupts } from './interrupt.js';
import { renderSummary } from './summary.js';
import { type PlanDocument } from '../../plan/document.js';

export interface FinishedRunOptions {
  readonly stateDir?: string;
  readonly env?: string;
  readonly host?: string;
  readonly trust?: readonly string[];
}

interface Loaded {
  readonly record: RunRecord;
  readonly plan: PlanDocument;
  readonly results: readonly EnvironmentOutput[];
  readonly steps: RolloutStepsImpl;
}

/** The environment outputs a finished run persisted (its rollout machine's final output). */
export function finishedResults(snapshot: unknown): EnvironmentOutput[] {
  const s = snapshot as
    { status?: string; output?: { environments?: EnvironmentOutput[] } } | undefined;
  if (s?.status !== 'done' || !Array.isArray(s.output?.environments)) {
    throw new CertrollError('USAGE', 'The run has not finished.', {
      hint: 'Finish it first with `certroll resume RUN`.',
    });
  }
  return s.output.environments;
}

async function load(run: string, o: FinishedRunOptions, ctx: CommandContext): Promise<Loaded> {
  const stateDir = resolveStateDir(o.stateDir, ctx.io.env);
  const record = readRun(findRun(stateDir, run));
  const plan = record.plan as PlanDocument;
  const snapshot = existsSync(record.paths.snapshot)
    ? (JSON.parse(readFileSync(record.paths.snapshot, 'utf8')) as unknown)
    : undefined;
  const results = finishedResults(snapshot);
  const [{ loadInventory }, { loadPlaybooks }, { loadCertificates }] = await Promise.all([
    import('../../inventory/index.js'),
    import('../../playbooks/index.js'),
    import('../../cert/index.js'),
  ]);
  const inventory = loadInventory(plan.inventory.path);
  if (inventory.digest !== plan.inventory.digest) {
    ctx.io.stderr(
      `note: ${plan.inventory.path} changed since the run; hosts and bindings are taken from it as it is now\n`,
    );
  }
  const trust = await trustAnchors(o.trust ?? [], loadCertificates);
  const steps = createRolloutSteps({
    runId: record.paths.id,
    inventory,
    playbooks: loadPlaybooks({ userDirs: inventory.playbookDirs }),
    cert: { sha256: plan.bundle.sha256, thumbprint: plan.bundle.thumbprint },
    material: () => {
      throw new CertrollError('INTERNAL', 'rollback and purge never stage new material');
    },
    transportFor: (h) => createTransport(h),
    verifier: probeVerifier({
      trust: trust.anchors.map((a) => a.toString()),
      deadlineMs: 30_000,
      timeoutMs: 5_000,
    }),
  });
  return { record, plan, results, steps };
}

function selected(
  results: readonly EnvironmentOutput[],
  o: FinishedRunOptions,
): { env: string; host: HostOutput }[] {
  const out = results
    .filter((e) => o.env === undefined || e.env === o.env)
    .flatMap((e) => Object.values(e.hosts).map((host) => ({ env: e.env, host })))
    .filter((x) => o.host === undefined || x.host.host === o.host);
  if (out.length === 0) {
    throw new CertrollError(
      'USAGE',
      `No host of the run matches${o.env ? ` --env ${o.env}` : ''}${o.host ? ` --host ${o.host}` : ''}.`,
      {
        hint: 'See the run with `certroll show RUN`.',
      },
    );
  }
  return out;
}

export async function runRollbackFinished(
  run: string,
  o: FinishedRunOptions,
  ctx: CommandContext,
): Promise<number> {
  const { record, results, steps } = await load(run, o, ctx);
  // A host an earlier `rollback RUN` restored is done: its backups were purged then, so restoring
  // it again could only fail.
  const done = new Set(
    record.journal.records
      .filter((r) => r.type === 'host-rolled-back' && r.data['status'] === 'rolled-back')
      .map((r) => `${String(r.data['env'])}/${String(r.data['host'])}`),
  );
  const verified = selected(results, o).filter((t) =>
    Object.values(t.host.bindings).some((b) => b.status === 'verified'),
  );
  // Newest first: the reverse of the order the run finished its hosts (environments in reverse).
  const targets = verified.filter((t) => !done.has(`${t.env}/${t.host.host}`)).reverse();
  if (targets.length === 0) {
    ctx.io.stdout(
      verified.length > 0
        ? 'Nothing to roll back: every selected host was rolled back by an earlier rollback of this run.\n'
        : 'Nothing to roll back: no selected binding of this run ended verified.\n',
    );
    return EXIT.OK;
  }
  const locks = lockEnvironments(
    locksDir(resolveStateDir(o.stateDir, ctx.io.env)),
    targets.map((t) => t.env),
    record.paths.id,
  );
  const { journal } = Journal.open(record.paths.journal);
  const signal = new AbortController().signal;
  const rolled: EnvironmentOutput[] = [];
  const interrupts = onInterrupts(ctx.io, {
    first: `stopping the rollback of run ${record.paths.id}: the host under way finishes; no other host starts.`,
    second: `run \`certroll rollback ${record.paths.id}\` again to roll back the rest.`,
  });
  const left: string[] = [];
  try {
    journal.append('rollback-started', { hosts: targets.map((t) => t.host.host) });
    for (const { env, host } of targets) {
      if (interrupts.signal.aborted) {
        left.push(host.host);
        continue;
      }
      const output = await steps.rollbackHost({ host: host.host, output: host }, signal);
      journal.append('host-rolled-back', { env, host: host.host, status: output.status });
      if (output.status === 'rolled-back') {
        // Nothing is left to restore: remove the backups the run kept on the host.
        await steps.connect({ host: host.host }, signal);
        try {
          await steps.purge({ host: host.host }, signal);
        } finally {
          await steps.release({ host: host.host, locked: false }, signal);
        }
      }
      const existing = rolled.find((e) => e.env === env);
      if (existing !== undefined)
        (existing.hosts as Record<string, HostOutput>)[host.host] = output;
      else
        rolled.push({
          env,
          status: 'rolled-back',
          hosts: { [host.host]: output },
          notStarted: [],
          failures: 0,
        });
    }
  } finally {
    interrupts.dispose();
    locks.release();
  }
  const ok = rolled.every((e) => Object.values(e.hosts).every((h) => h.status === 'rolled-back'));
  const interrupted = left.length > 0;
  journal.append('rollback-finished', {
    status: !ok ? 'needs-attention' : interrupted ? 'interrupted' : 'rolled-back',
    ...(interrupted ? { notStarted: left } : {}),
  });
  ctx.io.stdout(
    renderSummary({
      runId: record.paths.id,
      status: !ok ? 'failed' : interrupted ? 'interrupted' : 'succeeded',
      environments: rolled,
      notStarted: [],
      ...(interrupted
        ? {
            reason: `interrupted by the operator; not rolled back: ${left.join(', ')} (run \`certroll rollback ${record.paths.id}\` again for them)`,
          }
        : {}),
    }).replace(/^rollout /m, 'rollback '),
  );
  return !ok ? EXIT.FAILED : interrupted ? EXIT.INTERRUPTED : EXIT.OK;
}

export async function runPurgeFinished(
  run: string,
  o: FinishedRunOptions,
  ctx: CommandContext,
): Promise<number> {
  const { record, results, steps } = await load(run, o, ctx);
  const targets = selected(results, o);
  const { journal } = Journal.open(record.paths.journal);
  const signal = new AbortController().signal;
  let failed = 0;
  for (const { host } of targets) {
    try {
      await steps.connect({ host: host.host }, signal);
      const purged = await steps.purge({ host: host.host }, signal);
      journal.append('host-purged', { host: host.host, bindings: purged });
      ctx.io.stdout(
        `${host.host}: purged ${purged.length > 0 ? purged.join(', ') : 'nothing (no binding keeps backups)'}\n`,
      );
    } catch (error) {
      failed++;
      ctx.io.stderr(`${host.host}: purge failed: ${(error as Error).message}\n`);
    } finally {
      await steps.release({ host: host.host, locked: false }, signal).catch(() => undefined);
    }
  }
  return failed === 0 ? EXIT.OK : EXIT.FAILED;
}
