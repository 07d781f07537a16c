// What a change report says, as plain data the templates lay out (src/report/report-templates.ts):
// for a plan, what will change and how (to attach to the change request); for a run, what
// happened and what proved it (to attach as evidence). Pure: the plan document and the run's
// story in, a model out; no secret is in either (plans hold no key material, commands are shown
// as `plan --commands` shows them).
import { RUN_ID_PLACEHOLDER } from '../plan/commands.js';
import { type PlanDocument } from '../plan/document.js';
import { type BindingStory } from './binding-stories.js';
import { formatDuration, type RunStory } from './run-story.js';

export interface PlanBindingRow {
  readonly port: number;
  readonly kind: string;
  readonly sni: string;
  readonly current: string;
  /** When the current certificate expires, and how long after the plan (`unknown` without it). */
  readonly currentExpires: string;
  readonly next: string;
  readonly nextExpires: string;
  readonly action: string;
}

export interface PlanCommandView {
  readonly step: string;
  readonly note?: string;
  readonly text: string;
}

export interface PlanHostView {
  readonly name: string;
  readonly address: string;
  readonly bindings: readonly PlanBindingRow[];
  readonly exclusions: readonly { readonly port: number; readonly reason: string }[];
  readonly units: readonly {
    readonly ports: string;
    readonly commands: readonly PlanCommandView[];
  }[];
}

export interface PlanView {
  readonly createdAt: string;
  readonly operator: string;
  readonly ticket: string;
  readonly inventory: string;
  readonly certificate: readonly (readonly [string, string])[];
  readonly replaces: readonly string[];
  readonly toChange: number;
  readonly current: number;
  readonly environments: readonly {
    readonly name: string;
    readonly policy: readonly (readonly [string, string])[];
    readonly hosts: readonly PlanHostView[];
  }[];
  readonly rollbackPath: readonly string[];
  readonly runIdPlaceholder: string;
}

const NO_ANSWER = 'no answer';
const fp = (sha: string | undefined) => sha ?? NO_ANSWER;

/** `2026-12-23 (20 days left)`, counted from the plan's making; `unknown` when not seen. */
export function expiryText(notAfter: string | undefined, from: string): string {
  const at = notAfter === undefined ? Number.NaN : Date.parse(notAfter);
  if (!Number.isFinite(at)) return 'unknown';
  const days = Math.floor((at - Date.parse(from)) / 86_400_000);
  const left = days < 0 ? `expired ${-days} day(s) before the plan` : `${days} day(s) left`;
  return `${new Date(at).toISOString().slice(0, 10)} (${left})`;
}

function policyRows(p: PlanDocument['environments'][number]['policy']): [string, string][] {
  if (p === undefined) return [['policy', 'not recorded in this plan (made by an older certroll)']];
  return [
    ['canary', p.canary.length > 0 ? p.canary.join(', ') : 'none'],
    ['batches', `${p.batchSize} host(s) per batch, ${p.concurrency} at once`],
    ['failure budget', `${p.failureBudget} host(s); on failure: ${p.onFailure}`],
    ['approval', p.approval ? 'required before the environment starts' : 'not required'],
    [
      'soak',
      p.soakMs > 0 ? `${formatDuration(p.soakMs)}, then every binding probed again` : 'none',
    ],
    [
      'cold start',
      p.coldStartCheck ? 'each service restarted after verification and probed again' : 'no',
    ],
  ];
}

function hostView(plan: PlanDocument, h: PlanDocument['environments'][number]['hosts'][number]) {
  const ports = new Map(h.bindings.map((b) => [b.id, b.port]));
  return {
    name: h.name,
    address: h.address,
    bindings: h.bindings.map((b) => ({
      port: b.port,
      kind: b.kind,
      sni: b.sni.length > 0 ? b.sni.join(', ') : '(no SNI)',
      current: fp(b.current),
      currentExpires: b.current === undefined ? '-' : expiryText(b.currentNotAfter, plan.createdAt),
      next: plan.bundle.sha256,
      nextExpires: expiryText(plan.bundle.notAfter, plan.createdAt),
      action: b.action === 'replace' ? 'replace' : 'already current',
    })),
    exclusions: (h.exclusions ?? []).map((x) => ({ port: x.port, reason: x.reason })),
    units: (h.units ?? []).map((u) => ({
      ports: u.bindings.map((id) => `:${ports.get(id) ?? id}`).join(' '),
      commands: u.commands.map((c) => ({
        step: c.step,
        ...(c.step === 'rollback' ? { note: 'only if the unit cannot be proven' } : {}),
        text: [
          ...(c.prepare !== undefined ? [c.prepare.trimEnd()] : []),
          ...(c.files ?? []).map(
            (f) => `# file ${f.path} (mode ${f.mode}, ${f.bytes} bytes, contents not shown)`,
          ),
          ...(c.stdin !== undefined ? [`# stdin ${JSON.stringify(c.stdin)}`] : []),
          c.script.trimEnd(),
        ].join('\n'),
      })),
    })),
  };
}

export function planView(plan: PlanDocument): PlanView {
  const all = plan.environments.flatMap((e) => e.hosts.flatMap((h) => h.bindings));
  const b = plan.bundle;
  return {
    createdAt: plan.createdAt,
    operator: plan.change?.operator ?? '(not recorded)',
    ticket: plan.change?.ticket ?? '(none)',
    inventory: `${plan.inventory.path} (sha256 ${plan.inventory.digest.slice(0, 16)}…)`,
    certificate: [
      ['subject', b.subject.replace(/\n/g, ', ')],
      ['SHA-256', b.sha256],
      ['thumbprint', b.thumbprint],
      ['expires', b.notAfter],
      ['bundle', b.path],
    ],
    replaces: [
      ...new Set([
        ...all.map((x) => x.current).filter((s): s is string => s !== undefined && s !== b.sha256),
        ...(plan.replaces ?? []),
      ]),
    ],
    toChange: all.filter((x) => x.action === 'replace').length,
    current: all.filter((x) => x.action !== 'replace').length,
    environments: plan.environments.map((e) => ({
      name: e.name,
      policy: policyRows(e.policy),
      hosts: e.hosts.map((h) => hostView(plan, h)),
    })),
    rollbackPath: [
      'During the run, a host that cannot prove a port undoes everything it changed, newest first (the rollback commands below), and a fresh TLS handshake must see the previous certificate again; otherwise the binding is marked needs-attention.',
      'Environments run in order; a failure beyond the budget stops the run before the next environment.',
      'After the run: `certroll rollback RUN` restores the previous bindings of every verified host (proven by probe the same way); the backups it needs stay on the hosts until then or `certroll purge RUN`.',
    ],
    runIdPlaceholder: RUN_ID_PLACEHOLDER,
  };
}

export interface RunBindingRow {
  readonly env: string;
  readonly host: string;
  readonly endpoint: string;
  readonly sni: string;
  readonly status: string;
  readonly before: string;
  readonly after: string;
  readonly proof: string;
  readonly detail: string;
}

export interface RunView {
  readonly id: string;
  readonly operator: string;
  readonly ticket: string;
  readonly started: string;
  readonly finished: string;
  readonly duration: string;
  readonly verdict: string;
  readonly ok: boolean;
  readonly counts: RunStory['counts'];
  readonly environments: RunStory['environments'];
  readonly bindings: readonly RunBindingRow[];
  readonly rollbacks: readonly string[];
  readonly sweep: string;
  readonly laterRollback?: string;
  readonly timeline: readonly {
    readonly host: string;
    readonly first: string;
    readonly last: string;
    readonly steps: string;
  }[];
  readonly plan?: PlanView;
}

/** The handshake that decided a binding, in words: where, with which name, when, what it saw. */
function proofOf(b: BindingStory): string {
  const at = b.provedAt ?? 'no probe recorded';
  const where = b.address !== '' ? `${b.address}:${b.port}` : b.binding;
  const sni = b.sni.length > 0 ? ` SNI ${b.sni.join(', ')}` : '';
  if (b.status === 'verified')
    return `${where}${sni} at ${at}: fresh handshake saw the new leaf; chain and name valid against the trust anchors`;
  if (b.status === 'rolled-back' && b.rollback !== undefined)
    return `${where}${sni} at ${b.rollback.at}: after rollback a fresh handshake saw the previous leaf again`;
  if (b.status === 'skipped')
    return `${where}${sni}: already served the new certificate at plan time`;
  return `${where}${sni} at ${at}: not proven`;
}

function timelineRows(story: RunStory) {
  const hosts = [...new Set(story.timeline.map((s) => s.host))];
  return hosts.map((host) => {
    const steps = story.timeline.filter((s) => s.host === host);
    return {
      host,
      first: steps[0]?.start ?? '',
      last: steps.at(-1)?.end ?? '',
      steps: steps.map((s) => `${s.step}${s.ok ? '' : ' (failed)'}`).join(' → '),
    };
  });
}

export function runView(story: RunStory, plan: PlanDocument | undefined): RunView {
  return {
    id: story.id,
    operator: story.operator ?? '(not recorded)',
    ticket: story.ticket ?? '(none)',
    started: story.startedAt ?? '-',
    finished: story.finishedAt ?? 'not finished',
    duration: story.durationMs !== undefined ? formatDuration(story.durationMs) : '-',
    verdict: `${story.verdict}${story.why !== undefined ? `: ${story.why}` : ''}`,
    ok: story.verdict === 'succeeded',
    counts: story.counts,
    environments: story.environments,
    bindings: story.bindings.map((b) => ({
      env: b.env,
      host: b.host,
      endpoint: b.address !== '' ? `${b.address}:${b.port}` : b.binding,
      sni: b.sni.join(', '),
      status: b.status,
      before: fp(b.before),
      after: fp(b.after),
      proof: proofOf(b),
      detail: b.reason ?? '',
    })),
    rollbacks: story.bindings
      .filter((b) => b.status === 'rolled-back' || b.status === 'needs-attention')
      .map(
        (b) =>
          `${b.env} / ${b.host} :${b.port}: ${b.reason ?? 'failed'}; ${
            b.rollback === undefined
              ? 'no rollback proof recorded'
              : b.rollback.ok
                ? `rolled back; at ${b.rollback.at} a fresh handshake saw ${fp(b.rollback.observed)} (the previous certificate) again`
                : `the rollback could not be proven at ${b.rollback.at} (saw ${fp(b.rollback.observed)})`
          }`,
      ),
    sweep:
      story.sweep?.text.trimEnd() ??
      'no sweep recorded (the run was interrupted or did not finish)',
    ...(story.laterRollback !== undefined
      ? {
          laterRollback: `certroll rollback RUN${story.laterRollback.operator !== undefined ? ` by ${story.laterRollback.operator}` : ''} at ${story.laterRollback.at}: ${story.laterRollback.status}`,
        }
      : {}),
    timeline: timelineRows(story),
    ...(plan !== undefined ? { plan: planView(plan) } : {}),
  };
}
