// `certroll scan`: the effectful part of the command (read the inventory, the trust and the
// bundle, probe, write the textfile). Loaded only when the command runs.
import { resolve } from 'node:path';
import { CertrollError, toCertrollError } from '../errors.js';
import { type CommandContext } from './io.js';
import { EXIT } from './exit-codes.js';
import { reportError } from './report-error.js';
import { renderNagios } from '../report/nagios.js';
import { renderPrometheus, renderPrometheusUnknown } from '../report/prometheus.js';
import { renderScanJson } from '../report/scan-json.js';
import { renderScanTable } from '../report/scan-table.js';
import { exitCodeForStatus } from '../report/status.js';
import { canonicalFingerprint } from '../probe/cert-summary.js';
import { scanEndpoints, scanInventory } from '../probe/scan.js';
import { type ScanReport } from '../probe/scan-types.js';
import { ENDPOINT_NAME, directEndpoint } from '../probe/scan-endpoint.js';
import { type ScanCliValues, type SingleEndpoint, checkScanValues } from '../probe/scan-options.js';
import type * as InventoryLib from '../inventory/index.js';

/**
 * `--endpoint`: the one endpoint as a one-binding inventory, so it is probed and judged exactly
 * as an inventory's (written as JSON, which YAML reads, so no value needs quoting rules).
 */
export function endpointInventory(
  e: SingleEndpoint,
  parse: typeof InventoryLib.parseInventory,
  cwd: string,
): InventoryLib.Inventory {
  const binding = { port: e.port, kind: 'pem-files', probe: { sni: e.sni ?? 'none' } };
  const doc = {
    version: 1,
    environments: [
      {
        name: ENDPOINT_NAME,
        hosts: [
          {
            name: ENDPOINT_NAME,
            address: e.address,
            transport: { kind: 'local' },
            bindings: [binding],
          },
        ],
      },
    ],
  };
  return parse(JSON.stringify(doc), '--endpoint', { baseDir: cwd });
}
import { writeFileAtomic } from '../journal/atomic.js';

async function expectedFromBundle(
  v: ScanCliValues,
  env: CommandContext['io']['env'],
): Promise<string | undefined> {
  if (v.bundle === undefined) return undefined;
  const cert = await import('../cert/index.js');
  const { readPassword } = await import('../cert/input.js');
  // The same password rules as every command that reads a bundle (file mode 0600, or a variable).
  const password = await readPassword(v, env, cert.MAX_INPUT_BYTES);
  try {
    const bundle = cert.loadBundle({
      path: v.bundle,
      ...(v.key !== undefined ? { keyPath: v.key } : {}),
      ...(password !== undefined ? { password } : {}),
    });
    return canonicalFingerprint(bundle.leaf.fingerprint256);
  } catch (error) {
    // A scan needs only the public certificate: accept a certificate-only file whose one
    // non-CA certificate is the leaf.
    if (!(error instanceof CertrollError) || !/no private key/.test(error.message)) throw error;
    const leaves = cert.loadCertificates(v.bundle, 'bundle').filter((c) => !c.ca);
    if (leaves.length !== 1 || leaves[0] === undefined) throw error;
    return canonicalFingerprint(leaves[0].fingerprint256);
  }
}

async function trustPems(paths: readonly string[]): Promise<string[] | undefined> {
  if (paths.length === 0) return undefined;
  const { loadCertificates } = await import('../cert/index.js');
  return paths.flatMap((p) => loadCertificates(p, 'trust file').map((c) => c.toString()));
}

function progressWriter(
  ctx: CommandContext,
  enabled: boolean,
): ((done: number, total: number) => void) | undefined {
  if (!enabled) return undefined;
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (done === total || now - last > 200) {
      last = now;
      ctx.io.stderr(`\rscan: ${done}/${total} handshakes${done === total ? '\n' : ''}`);
    }
  };
}

/** The inventory to scan: the file given, or `--endpoint` as a one-binding inventory. */
async function inventoryOf(
  v: ReturnType<typeof checkScanValues>,
  values: ScanCliValues,
  ctx: CommandContext,
): Promise<InventoryLib.Inventory> {
  const inv = await import('../inventory/index.js');
  const loaded =
    v.endpoint !== undefined
      ? endpointInventory(v.endpoint, inv.parseInventory, ctx.io.cwd)
      : inv.loadInventory(v.inventory ?? '', { cwd: ctx.io.cwd });
  return inv.selectInventory(loaded, { envs: values.env ?? [], hosts: values.host ?? [] });
}

export async function runScan(raw: ScanCliValues, ctx: CommandContext): Promise<void> {
  // File options are relative to the caller's folder, as the inventory path is.
  const at = (p: string | undefined): string | undefined =>
    p === undefined ? undefined : resolve(ctx.io.cwd, p);
  const values: ScanCliValues = {
    ...raw,
    ...(raw.bundle !== undefined ? { bundle: at(raw.bundle) } : {}),
    ...(raw.key !== undefined ? { key: at(raw.key) } : {}),
    ...(raw.passwordFile !== undefined ? { passwordFile: at(raw.passwordFile) } : {}),
    trust: (raw.trust ?? []).map((t) => resolve(ctx.io.cwd, t)),
    ...(raw.promFile !== undefined ? { promFile: at(raw.promFile) } : {}),
  };
  try {
    const v = checkScanValues(values, ctx.global().json);
    // --env, --host and --configured act on an inventory: with them, --endpoint becomes one.
    const asInventory =
      (values.env ?? []).length > 0 || (values.host ?? []).length > 0 || values.configured === true;
    const direct =
      v.endpoint !== undefined && !asInventory ? directEndpoint(v.endpoint) : undefined;
    const target =
      direct !== undefined ? { direct } : { inventory: await inventoryOf(v, values, ctx) };
    const expect = v.expect ?? (await expectedFromBundle(values, ctx.io.env));
    const trust = await trustPems(values.trust ?? []);
    const onProgress = progressWriter(
      ctx,
      values.progress === true || process.stderr.isTTY === true,
    );
    const { scanAdapters } = await import('./compose.js');
    const options = {
      ...v,
      ...scanAdapters(),
      ...(expect !== undefined ? { expect } : {}),
      ...(trust !== undefined ? { trust } : {}),
      ...(onProgress !== undefined ? { onProgress } : {}),
    };
    let report: ScanReport;
    if (target.direct !== undefined) {
      report = await scanEndpoints([target.direct], options);
    } else {
      report = await scanInventory(target.inventory, options);
      if (report.endpoints.length === 0) {
        throw new CertrollError(
          'USAGE',
          `nothing to scan: no binding selected in ${target.inventory.source}`,
          { hint: 'Check --env and --host, and that the inventory lists bindings.' },
        );
      }
    }
    // --configured always goes the inventory's way (asInventory above).
    if (values.configured === true && target.inventory !== undefined) {
      const { withConfiguredReport } = await import('./scan-configured.js');
      const o = { ...(trust !== undefined ? { trust } : {}), critDays: v.critDays };
      report = await withConfiguredReport(target.inventory, report, o, ctx.io.env);
    }
    if (values.promFile !== undefined)
      writeFileAtomic(values.promFile, renderPrometheus(report), 0o644);
    if (v.format === 'json') ctx.io.stdout(renderScanJson(report));
    else if (v.format === 'prometheus') ctx.io.stdout(renderPrometheus(report));
    else if (v.format === 'nagios') ctx.io.stdout(renderNagios(report));
    else ctx.io.stdout(renderScanTable(report, { colour: ctx.io.isTTY }));
    ctx.setExit(exitCodeForStatus(report.overall));
  } catch (error) {
    // The scan could not run: UNKNOWN, with the error said clearly; a textfile that stayed
    // behind would show stale values, so it says UNKNOWN too.
    if (values.promFile !== undefined) {
      try {
        writeFileAtomic(values.promFile, renderPrometheusUnknown(new Date()), 0o644);
      } catch {
        // The original error is the one to report.
      }
    }
    // A mistake on the command line is a usage error (64) as for every command; anything else
    // that kept the scan from running is the monitoring UNKNOWN (3).
    const e = toCertrollError(error);
    const exit = e.code === 'USAGE' ? EXIT.USAGE : EXIT.UNKNOWN;
    if (values.format === 'nagios') {
      // The plugin convention for a check that could not run: the status line, then the error.
      ctx.io.stdout(`CERTROLL UNKNOWN - ${e.message.replace(/[|\n]/g, ' ')}\n`);
      if (e.hint !== undefined) ctx.io.stdout(`${e.hint}\n`);
    } else if (ctx.global().json || values.format === 'json') {
      const doc = { ok: false, status: 'UNKNOWN', exitCode: exit, error: e.toJSON() };
      ctx.io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
    } else {
      reportError(error, ctx.io, ctx.global());
    }
    ctx.setExit(exit);
  }
}
