// `certroll cert check`. Registration only touches commander; the certificate code (and with it
// node-forge) loads when the command runs.
import { type Command } from 'commander';
import { CertrollError } from '../../errors.js';
import { EXIT } from '../exit-codes.js';
import { type CommandContext } from '../io.js';
import { readPassword, trustAnchors } from '../../cert/input.js';
import { bundleKeyOptions, collect, days, trustOption } from '../options.js';

interface CheckOptions {
  readonly key?: string;
  readonly chain: string[];
  readonly passwordFile?: string;
  readonly passwordEnv?: string;
  readonly trust: string[];
  readonly inventory?: string;
  readonly minDays: string;
}

export function registerCert(program: Command, ctx: CommandContext): void {
  const cert = program.command('cert').description('inspect and gate certificate bundles');
  const check = cert
    .command('check')
    .description(
      'load a PFX or PEM bundle, print its fingerprints, SANs, validity and chain, and run the certificate gate',
    )
    .argument('<bundle>', 'PFX/PKCS#12 (.pfx, .p12) or PEM file');
  trustOption(
    bundleKeyOptions(check).option(
      '--chain <file>',
      'intermediate certificates (PEM); repeatable',
      collect,
      [],
    ),
    'the chain check',
  )
    .option('-i, --inventory <file>', 'check that every SNI name of the inventory is covered')
    .option(
      '--min-days <days>',
      'fail when the certificate expires within this many days (30 or 30d)',
      days(),
      '30',
    )
    .action(async (bundlePath: string, options: CheckOptions) => {
      await runCheck(bundlePath, options, ctx);
    });
}

async function runCheck(
  bundlePath: string,
  options: CheckOptions,
  ctx: CommandContext,
): Promise<void> {
  const minDays = Number(options.minDays);
  if (!/^\d{1,5}$/.test(options.minDays)) {
    throw new CertrollError(
      'USAGE',
      `--min-days must be a whole number of days, not ${JSON.stringify(options.minDays)}`,
    );
  }
  const lib = await import('../../cert/index.js');
  const password = await readPassword(options, ctx.io.env, lib.MAX_INPUT_BYTES);
  const bundle = lib.loadBundle({
    path: bundlePath,
    ...(options.key !== undefined ? { keyPath: options.key } : {}),
    chainPaths: options.chain,
    ...(password !== undefined ? { password } : {}),
  });
  const trust = await trustAnchors(options.trust, lib.loadCertificates);
  const inventory =
    options.inventory !== undefined
      ? (await import('../../inventory/index.js')).loadInventory(options.inventory)
      : undefined;
  const checks = lib.checkBundle(bundle, {
    minDays,
    trustAnchors: trust.anchors,
    trustSource: trust.source,
    ...(inventory !== undefined ? { inventory } : {}),
  });
  const passed = lib.gatePassed(checks);
  const exitCode = passed ? EXIT.OK : EXIT.FAILED;
  const description = lib.describe(bundle);
  if (ctx.global().json) {
    ctx.io.stdout(
      `${JSON.stringify({ ok: passed, exitCode, certificate: description, checks }, null, 2)}\n`,
    );
  } else {
    const { renderCheckReport } = await import('../../cert/render.js');
    ctx.io.stdout(renderCheckReport(description, checks, { color: ctx.io.isTTY }));
  }
  ctx.setExit(exitCode);
}
