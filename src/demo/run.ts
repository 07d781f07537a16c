// `certroll demo`: builds the lab, writes the scenario's inventory and certificates, then runs the
// real rollout code in-process (prepare, the locks, makePlan, apply with `--yes`: what
// `certroll rollout` runs)
// against it, and checks that what happened is what the story says. Everything it started is
// stopped at the end, on failure too.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { CertrollError } from '../errors.js';
import { type EnvironmentLocks } from '../journal/index.js';
import { type PlanDocument } from '../plan/document.js';
import { type ProbeFn } from '../probe/shared.js';
import { type ApplyOutcome } from '../rollout/apply.js';
import { lockRun } from '../rollout/apply-checks.js';
import { makePlan } from '../rollout/make-plan.js';
import { type RolloutAdapters } from '../rollout/ports.js';
import { prepareRollout, type Prepared } from '../rollout/prepare.js';
import { type BindingVerifier } from '../workflow/ports.js';
import { startLab, type Lab } from './lab.js';
import { judgeDemo, type ServedNow } from './outcome.js';
import { closing, opening, verdictText } from './narration.js';
import {
  bindingId,
  DEMO_NAMES,
  FAILING_BINDING,
  labSpecs,
  makeCertificates,
  writeInventory,
} from './scenario.js';

/** Where the demo writes: stdout for the story, stderr for progress. */
export interface DemoIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** What the demo is given by the composition root: the same pieces `certroll rollout` uses. */
export interface DemoPorts {
  /** The adapters over one connection pool for the demo's commands, closed afterwards. */
  withAdapters<T>(fn: (adapters: RolloutAdapters) => Promise<T>): Promise<T>;
  /** The plan's preview, as `certroll plan` prints it. */
  preview(plan: PlanDocument): string;
  /** Runs the plan as `certroll apply --yes` does: progress, the summary and the sweep. */
  apply(
    plan: PlanDocument,
    prepared: Prepared,
    o: {
      stateDir: string;
      locks: EnvironmentLocks;
      adapters: RolloutAdapters;
      verifier: BindingVerifier;
    },
  ): Promise<ApplyOutcome>;
  /** The TLS probe that checks, at the end, what every port serves. */
  readonly probe: ProbeFn;
  /** Ends the process after Ctrl-C, once the lab is stopped. */
  exitInterrupted(): never;
}

export interface DemoOptions {
  /** Where the lab lives; a fresh temporary folder when absent. */
  readonly dir?: string;
  /** Keep the folder (inventory, certificates, run journal) after the demo. */
  readonly keep: boolean;
}

// The lab answers at once; a short deadline keeps the forgotten reload from costing 30 s.
export const DEMO_VERIFY = { deadlineMs: 4_000, timeoutMs: 2_000 } as const;

/** The demo's folder: a fresh temporary one, or the new or empty one given with --dir. */
export function demoDir(dir: string | undefined): string {
  if (dir === undefined) return mkdtempSync(join(tmpdir(), 'certroll-demo-'));
  const abs = resolve(dir);
  if (existsSync(abs) && readdirSync(abs).length > 0)
    throw new CertrollError('USAGE', `The demo folder ${abs} is not empty.`, {
      hint: 'Give a new or empty folder with --dir, or leave --dir out for a temporary one.',
    });
  mkdirSync(abs, { recursive: true, mode: 0o700 });
  return abs;
}

/** True when the demo behaved as its story says. */
export async function runDemo(
  options: DemoOptions,
  io: DemoIo,
  ports: DemoPorts,
): Promise<boolean> {
  const dir = demoDir(options.dir);
  let lab: Lab | undefined;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await lab?.close();
      if (!options.keep) rmSync(dir, { recursive: true, force: true });
    })());
  // Ctrl-C must not leave the lab folder (with its keys) behind.
  const onSignal = (signal: NodeJS.Signals): void => {
    io.stderr(`\ncertroll demo: ${signal}, stopping the lab\n`);
    void stop().finally(() => ports.exitInterrupted());
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const certs = makeCertificates(dir);
    lab = await startLab(dir, userInfo().username, labSpecs(certs));
    const inventory = join(dir, 'inventory.yaml');
    writeInventory(lab, inventory);
    const stateDir = join(dir, 'control-state');
    const trust = [certs.ca.certPem];
    io.stdout(opening(lab, certs, dir));

    io.stdout('\n== certroll plan: connect to every host, capture every binding, probe ==\n');
    const inputs = { inventory, cert: certs.bundlePath, trust: [certs.caPath], chain: [] };
    const prepared = await prepareRollout(inputs, io.env);
    // As `certroll rollout` does: the environments' locks before any host is read, then the
    // same plan (capture, rendered commands, coverage gate) and the same run.
    const locks = lockRun(stateDir, prepared.inventory.environments);
    const { output, runId } = await ports.withAdapters(async (adapters) => {
      try {
        const verifier = adapters.verifier(trust);
        const { plan } = await makePlan(prepared, {
          adapters,
          verifier,
          inventoryPath: inventory,
          bundle: { path: certs.bundlePath },
        });
        io.stdout(ports.preview(plan));
        io.stdout('\n== certroll apply --yes: environment by environment, canary first ==\n');
        return await ports.apply(plan, prepared, { stateDir, locks, adapters, verifier });
      } finally {
        locks.release();
      }
    });

    const served: ServedNow[] = [];
    for (const h of lab.hosts)
      for (const b of h.bindings) {
        const r = await ports.probe(
          { address: h.address, port: b.port, sni: DEMO_NAMES[b.name as keyof typeof DEMO_NAMES] },
          { trust, timeoutMs: DEMO_VERIFY.timeoutMs },
        );
        served.push({
          binding: bindingId(h.name, b.name),
          host: h.name,
          ...(r.ok ? { sha256: r.leaf.sha256 } : {}),
        });
      }
    const verdict = judgeDemo(output, served, {
      failing: FAILING_BINDING,
      failingHost: FAILING_BINDING.split('/')[0] ?? '',
      oldSha: certs.oldLeaf.cert.fingerprint256.replace(/:/g, '').toLowerCase(),
      newSha: prepared.cert.sha256,
    });
    io.stdout(verdictText(verdict, served, certs, prepared.cert.sha256));
    io.stdout(closing(verdict.ok, runId, stateDir, dir, options.keep));
    return verdict.ok;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stop();
  }
}
