// The composition root: the one place that builds the real adapters (the connection pool and its
// transports, the TLS probe, the verifier over it, the audit logger) and hands them to the use
// cases as ports (src/rollout/ports.ts). A test builds its own instead.
import { probe } from '../probe/probe.js';
import type { ProbeFn } from '../probe/shared.js';
import { probeVerifier, VERIFY_BACKOFF, type VerifierOptions } from '../probe/verifier.js';
import type { RolloutAdapters, RunNotifier } from '../rollout/ports.js';
import type { Inventory, WebhookConfig } from '../inventory/model.js';
import { CertrollError } from '../errors.js';
import { changeInfo } from '../plan/change.js';
import { osUser } from './os-user.js';
// Types only (elided from the output): the transports load when a command opens a pool.
import type { TransportPool } from '../transport/pool.js';
import type { DemoPorts } from '../demo/run.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';

/** How long a binding is given to be proven, and how long one handshake may take. */
export const VERIFY_LIMITS = { deadlineMs: 30_000, timeoutMs: 5_000 } as const;

/** The adapters over one connection pool (one connection per host for the whole command). */
export function rolloutAdapters(
  pool: TransportPool,
  verify: Pick<VerifierOptions, 'deadlineMs' | 'timeoutMs'> = VERIFY_LIMITS,
): RolloutAdapters {
  return {
    transportFor: pool.lease,
    verifier: (trust, current, fresh) =>
      probeVerifier({
        probe: fresh ?? probe,
        trust,
        ...verify,
        backoff: VERIFY_BACKOFF,
        ...(current !== undefined ? { currentProbe: current } : {}),
      }),
    probe,
    auditLog: async (file) => {
      const { createLogger, Redactor } = await import('../log/index.js');
      return createLogger({ redactor: new Redactor(), file });
    },
  };
}

/** The command's webhooks: the inventory's and `--webhook`s, their secrets read now (pre-flight). */
export async function runNotifier(
  inventory: Pick<Inventory, 'notifications'>,
  cli: { readonly urls: readonly string[]; readonly format: string; readonly secretEnv?: string },
  io: CliIo,
): Promise<{ notifier: RunNotifier; drain: () => Promise<void> } | undefined> {
  const configs = [...(inventory.notifications?.webhooks ?? []), ...cliWebhooks(cli)];
  if (configs.length === 0) return undefined;
  const [{ resolveSecret }, { webhookNotifier }] = await Promise.all([
    import('../transport/secrets.js'),
    import('../notify/webhook.js'),
  ]);
  const targets = await Promise.all(
    configs.map(async (c) => ({
      url: c.url,
      format: c.format,
      ...(c.events !== undefined ? { events: c.events } : {}),
      ...(c.secret !== undefined ? { secret: (await resolveSecret(c.secret, io.env)).value } : {}),
    })),
  );
  const notifier = webhookNotifier(targets, (m) => io.stderr(`${m}\n`));
  return { notifier, drain: () => notifier.drain(WEBHOOK_DRAIN_MS) };
}

/** How long a command waits at its end for webhooks still sending. */
export const WEBHOOK_DRAIN_MS = 5_000;

function cliWebhooks(cli: {
  readonly urls: readonly string[];
  readonly format: string;
  readonly secretEnv?: string;
}): WebhookConfig[] {
  if (!['json', 'slack', 'teams'].includes(cli.format))
    throw new CertrollError('USAGE', `--webhook-format ${cli.format} is not a webhook format.`, {
      field: '--webhook-format',
      hint: 'Use json (signed with --webhook-secret-env), slack or teams.',
    });
  return cli.urls.map((url) => {
    if (!/^https?:\/\/[^\s/]+/.test(url) || !URL.canParse(url))
      throw new CertrollError('USAGE', `--webhook ${url} is not an http:// or https:// URL.`, {
        field: '--webhook',
        hint: 'Give the full URL the receiver listens on, e.g. https://hooks.example.com/certroll.',
      });
    return {
      url,
      format: cli.format as WebhookConfig['format'],
      ...(cli.secretEnv !== undefined
        ? { secret: { from: 'env' as const, name: cli.secretEnv } }
        : {}),
    };
  });
}

/** The scan's adapters: the TLS probe only (a scan never connects to a host itself). */
export function scanAdapters(): { readonly probe: ProbeFn } {
  return { probe };
}

/**
 * One connection pool for the command, its limit from the command's environment; closed after.
 * The transports load only here: `certroll scan` takes the probe from this module without them.
 */
export async function withAdapters<T>(
  env: Readonly<Record<string, string | undefined>>,
  fn: (adapters: RolloutAdapters, pool: TransportPool) => Promise<T>,
  verify?: Pick<VerifierOptions, 'deadlineMs' | 'timeoutMs'>,
): Promise<T> {
  const { withTransportPool } = await import('../transport/pool.js');
  return withTransportPool((pool) => fn(rolloutAdapters(pool, verify), pool), undefined, { env });
}

/** The demo's ports: the same adapters, preview and run as `certroll rollout`, shorter deadlines. */
export async function demoPorts(io: CliIo): Promise<DemoPorts> {
  const [{ DEMO_VERIFY }, { renderPreview }, { runAndReport }] = await Promise.all([
    import('../demo/run.js'),
    import('./rollout/preview.js'),
    import('./rollout/run-output.js'),
  ]);
  return {
    withAdapters: (fn) => withAdapters(io.env, fn, DEMO_VERIFY),
    preview: (plan) => renderPreview(plan),
    // Like `rollout`: the run records who ran it (the OS user), so its report names them.
    apply: async (plan, prepared, o) => {
      const change = changeInfo({}, osUser());
      const run = { ...o, yes: true, approve: [], change };
      return (await runAndReport({ ...plan, change }, prepared, run, io)).outcome;
    },
    probe,
    exitInterrupted: () => process.exit(EXIT.INTERRUPTED),
  };
}
