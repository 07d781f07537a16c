// What a run tells a chat channel or an HTTP endpoint as it happens, and how each event is laid
// out: the generic JSON document (signed by the sender), Slack's and Microsoft Teams' message
// formats. Pure: events in, bodies out. No event carries a secret: only names, fingerprints,
// statuses and reasons the journal already holds.

export type RunEventType =
  | 'run-started'
  | 'approval-needed'
  | 'environment-finished'
  | 'failure'
  | 'rollback'
  | 'run-finished';

export const RUN_EVENT_TYPES: readonly RunEventType[] = [
  'run-started',
  'approval-needed',
  'environment-finished',
  'failure',
  'rollback',
  'run-finished',
];

export interface RunEvent {
  readonly event: RunEventType;
  readonly runId: string;
  readonly at: string;
  readonly operator?: string;
  readonly ticket?: string;
  /** SHA-256 of the certificate being rolled out. */
  readonly certificate: string;
  readonly env?: string;
  readonly host?: string;
  readonly binding?: string;
  readonly step?: string;
  readonly status?: string;
  /** One line a person reads. */
  readonly message: string;
}

export type WebhookFormat = 'json' | 'slack' | 'teams';

/** What the run knows about itself, stamped on every event. */
export interface EventContext {
  readonly runId: string;
  readonly operator?: string;
  readonly ticket?: string;
  readonly certificate: string;
}

export function runEvent(
  ctx: EventContext,
  event: RunEventType,
  fields: Omit<RunEvent, 'event' | 'runId' | 'at' | 'certificate' | 'operator' | 'ticket'>,
  now: Date = new Date(),
): RunEvent {
  return {
    event,
    runId: ctx.runId,
    at: now.toISOString(),
    ...(ctx.operator !== undefined ? { operator: ctx.operator } : {}),
    ...(ctx.ticket !== undefined ? { ticket: ctx.ticket } : {}),
    certificate: ctx.certificate,
    ...fields,
  };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * The event a journal record of a running rollout means, if any: a step that failed or a verify
 * that did not see the new certificate (failure), a rollback proven or not (rollback).
 */
export function eventOfRecord(
  ctx: EventContext,
  type: string,
  data: Readonly<Record<string, unknown>>,
  now?: Date,
): RunEvent | undefined {
  const step = str(data['step']);
  const where = {
    ...(str(data['env']) !== undefined ? { env: str(data['env'])! } : {}),
    ...(str(data['host']) !== undefined ? { host: str(data['host'])! } : {}),
    ...(str(data['binding']) !== undefined ? { binding: str(data['binding'])! } : {}),
    ...(step !== undefined ? { step } : {}),
  };
  const at = [where.host, where.binding].filter((x) => x !== undefined).join(' ');
  if (type === 'step-failed') {
    const error = data['error'] as { message?: string } | undefined;
    const reason = error?.message ?? 'failed';
    return runEvent(
      ctx,
      'failure',
      { ...where, status: 'failed', message: `${step} failed on ${at}: ${reason}` },
      now,
    );
  }
  if (type !== 'step-finished') return undefined;
  if (step === 'verify' && data['ok'] === false)
    return runEvent(
      ctx,
      'failure',
      {
        ...where,
        status: 'not-proven',
        message: `${at}: the new certificate could not be proven: ${str(data['reason']) ?? 'not seen'}`,
      },
      now,
    );
  if (step === 'verifyRollback')
    return runEvent(
      ctx,
      'rollback',
      {
        ...where,
        status: data['ok'] === false ? 'needs-attention' : 'rolled-back',
        message:
          data['ok'] === false
            ? `${at}: rolled back, but the previous certificate could not be proven: needs attention`
            : `${at}: rolled back; the previous certificate is served again (proven by probe)`,
      },
      now,
    );
  return undefined;
}

const ICON: Record<RunEventType, string> = {
  'run-started': ':arrow_forward:',
  'approval-needed': ':raised_hand:',
  'environment-finished': ':checkered_flag:',
  failure: ':x:',
  rollback: ':leftwards_arrow_with_hook:',
  'run-finished': ':flag:',
};

function title(e: RunEvent): string {
  const ticket = e.ticket !== undefined ? ` ${e.ticket}` : '';
  return `certroll${ticket} run ${e.runId}: ${e.event}`;
}

function context(e: RunEvent): string {
  const who = e.operator !== undefined ? `operator ${e.operator}, ` : '';
  return `${who}certificate ${e.certificate.slice(0, 16)}…`;
}

/** The request body for a webhook of `format`. */
export function webhookBody(e: RunEvent, format: WebhookFormat): unknown {
  if (format === 'slack')
    return {
      text: `${ICON[e.event]} *${title(e)}*\n${e.message}\n_${context(e)}_`,
    };
  if (format === 'teams')
    return {
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            body: [
              { type: 'TextBlock', text: title(e), weight: 'Bolder', wrap: true },
              { type: 'TextBlock', text: e.message, wrap: true },
              { type: 'TextBlock', text: context(e), isSubtle: true, wrap: true },
            ],
          },
        },
      ],
    };
  return { source: 'certroll', version: 1, ...e };
}
