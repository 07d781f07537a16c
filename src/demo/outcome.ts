// Did the rollout behave as the story says it must? The failing binding rolled back with the old
// certificate proven, everything it shares a host with restored too (a host undoes all it
// touched), every other binding verified, and what the ports serve afterwards agrees.
import { type RolloutOutput } from '../workflow/types.js';

export interface ServedNow {
  readonly binding: string;
  readonly host: string;
  /** SHA-256 served after the run, undefined when the port did not answer. */
  readonly sha256?: string;
}

export interface DemoVerdict {
  readonly ok: boolean;
  readonly verified: readonly string[];
  readonly rolledBack: readonly string[];
  /** Everything that is not as expected, one line each. */
  readonly problems: readonly string[];
}

export function judgeDemo(
  output: RolloutOutput,
  served: readonly ServedNow[],
  expect: { failing: string; failingHost: string; oldSha: string; newSha: string },
): DemoVerdict {
  const verified: string[] = [];
  const rolledBack: string[] = [];
  const problems: string[] = [];
  const statuses = new Map<string, string>();
  for (const e of output.environments)
    for (const h of Object.values(e.hosts))
      for (const [id, o] of Object.entries(h.bindings)) {
        statuses.set(id, o.status);
        if (o.status === 'verified') verified.push(id);
        if (o.status === 'rolled-back') rolledBack.push(id);
      }
  for (const s of served) {
    const status = statuses.get(s.binding);
    const onFailingHost = s.host === expect.failingHost;
    const want = onFailingHost ? 'rolled-back' : 'verified';
    // A host-mate of the failing binding is either rolled back or never bound ('skipped').
    const acceptable =
      status === want || (onFailingHost && s.binding !== expect.failing && status === 'skipped');
    if (!acceptable) problems.push(`${s.binding}: ${status ?? 'no outcome'}, expected ${want}`);
    const wantSha = onFailingHost ? expect.oldSha : expect.newSha;
    if (s.sha256 !== wantSha)
      problems.push(
        `${s.binding}: serves ${s.sha256 === undefined ? 'nothing' : s.sha256.slice(0, 12)} now, expected the ${onFailingHost ? 'old' : 'new'} certificate`,
      );
  }
  if (statuses.get(expect.failing) !== 'rolled-back')
    problems.push(`${expect.failing} was expected to fail verification and be rolled back`);
  if (output.status !== 'failed')
    problems.push('the rollout was expected to report the failed binding');
  return { ok: problems.length === 0, verified, rolledBack, problems };
}
