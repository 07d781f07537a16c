// `certroll demo`: builds the lab, writes the scenario's inventory and certificates, then runs the
// real rollout code in-process (prepare -> captureAll -> buildPlan -> applyPlan, `yes: true`)
// against it, and checks that what happened is what the story says. Everything it started is
// stopped at the end, on failure too.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { CertrollError } from '../errors.js';
import { probeVerifier } from '../probe/verifier.js';
import { EXIT } from '../cli/exit-codes.js';
import { type CliIo } from '../cli/io.js';
import { applyPlan, lockRun } from '../cli/rollout/apply.js';
import { buildPlan } from '../plan/document.js';
import { captureAll } from '../rollout/preflight.js';
import { prepareRollout } from '../rollout/prepare.js';
import { renderPreview } from '../cli/rollout/preview.js';
import { probe } from '../probe/probe.js';
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

export interface DemoOptions {
  /** Where the lab lives; a fresh temporary folder when absent. */
  readonly dir?: string;
  /** Keep the folder (inventory, certificates, run journal) after the demo. */
  readonly keep: boolean;
}

// The lab answers at once; a short deadline keeps the forgotten reload from costing 30 s.
const VERIFY = { deadlineMs: 4_000, timeoutMs: 2_000 };

function demoDir(dir: string | undefined): string {
  if (dir === undefined) return mkdtempSync(join(tmpdir(), 'certroll-demo-'));
  const abs = resolve(dir);
  if (existsSync(abs) && readdirSync(abs).length > 0)
    throw new CertrollError('USAGE', `The demo folder ${abs} is not empty.`, {
      hint: 'Give a new or empty folder with --dir, or leave --dir out for a temporary one.',
    });
  mkdirSync(abs, { recursive: true, mode: 0o700 });
  return abs;
}

export async function runDemo(options: DemoOptions, io: CliIo): Promise<number> {
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
    void stop().finally(() => process.exit(EXIT.INTERRUPTED));
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
    const verifier = probeVerifier({ trust, ...VERIFY });
    io.stdout(opening(lab, certs, dir));

    io.stdout('\n== certroll plan: connect to every host, capture every binding, probe ==\n');
    const inputs = { inventory, cert: certs.bundlePath, trust: [certs.caPath], chain: [] };
    const prepared = await prepareRollout(inputs, io.env);
    // As `certroll rollout` does: the environments' locks before any host is read.
    const locks = lockRun(stateDir, prepared.inventory.environments);
    const applied = await (async () => {
      try {
        const captures = await captureAll(prepared, { runId: 'preflight', verifier });
        const plan = buildPlan(
          prepared.inventory,
          inventory,
          { path: certs.bundlePath, ...prepared.cert },
          captures,
        );
        io.stdout(renderPreview(plan));

        io.stdout('\n== certroll apply --yes: environment by environment, canary first ==\n');
        return await applyPlan(
          plan,
          prepared,
          { stateDir, locks, yes: true, approve: [], verifier },
          io,
        );
      } finally {
        locks.release();
      }
    })();
    const { output, runId } = applied;

    const served: ServedNow[] = [];
    for (const h of lab.hosts)
      for (const b of h.bindings) {
        const r = await probe(
          { address: h.address, port: b.port, sni: DEMO_NAMES[b.name as keyof typeof DEMO_NAMES] },
          { trust, timeoutMs: VERIFY.timeoutMs },
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
    return verdict.ok ? EXIT.OK : EXIT.FAILED;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stop();
  }
}
