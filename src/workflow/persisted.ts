// The run's snapshot without what never changes once written: the rollout's ref (every host and
// binding of every environment, and each environment's waves, derived from it) and the outputs of
// finished hosts. Those go to the journal once each (`run-ref`, `host-result`), and the snapshot
// names them. A snapshot then holds the running hosts and a name per finished one, so saving it
// at every barrier costs about the same at 20 hosts as at 2,000: whole snapshots would make a
// run's writes grow with the square of the fleet (a 200-host run wrote 180 MB of snapshots).
// `SnapshotCodec.fatten` puts them back from the journal for a resume; snapshots of older runs,
// which hold everything, pass through it unchanged.
import { type RunRecord } from './records.js';
import { CertrollError } from '../errors.js';
import { wavesOf } from './environment-machine.js';
import {
  type EnvironmentOutput,
  type EnvironmentRef,
  type HostOutput,
  type RolloutRef,
} from './types.js';

/** A journal record the snapshot refers to: written before any snapshot that names it. */
export interface OnceRecord {
  readonly type: 'run-ref' | 'host-result';
  readonly data: Record<string, unknown>;
}

type Obj = Record<string, unknown>;
type Results = Readonly<Record<string, HostOutput>>;

// The markers. `hosts` lists the finished hosts in the order the map had them: the restored map
// is rebuilt in that order, so outputs compare equal after a resume.
const REF = '$run-ref';
const HOSTS = '$host-results';
const WAVES = '$waves';

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const resultKey = (env: string, host: string) => JSON.stringify([env, host]);

/**
 * Turns the persisted snapshots of one run into slim ones and back. Stateful: each ref and host
 * output is handed out as a record once; one restored from the journal is not handed out again,
 * but a host that finishes again after a resume is (the journal's last record wins).
 */
export class SnapshotCodec {
  private refWritten = false;
  private readonly written = new WeakSet<object>();
  // A finished-hosts map changes only when a host finishes: its slim form is reused until then.
  private readonly slimmed = new WeakMap<object, Obj>();

  slim(persisted: unknown): { snapshot: unknown; records: OnceRecord[] } {
    const records: OnceRecord[] = [];
    if (!isObj(persisted) || !isObj(persisted['context'])) return { snapshot: persisted, records };
    const context = persisted['context'];
    const ref = context['ref'] as RolloutRef | undefined;
    if (ref !== undefined && !this.refWritten) {
      records.push({ type: 'run-ref', data: { ref } });
      this.refWritten = true;
    }
    const envResults = (context['results'] ?? []) as readonly EnvironmentOutput[];
    const snapshot: Obj = {
      ...persisted,
      context: {
        ...context,
        ...(ref !== undefined ? { ref: REF } : {}),
        results: envResults.map((e) => ({ ...e, hosts: this.hosts(e.env, e.hosts, records) })),
      },
      ...(isObj(persisted['children'])
        ? { children: this.children(persisted['children'], records) }
        : {}),
    };
    return { snapshot, records };
  }

  /** A slim snapshot made whole again from the journal's `run-ref` and `host-result` records. */
  fatten(snapshot: unknown, journal: readonly { type: string; data: Obj }[]): unknown {
    if (!isObj(snapshot) || !isObj(snapshot['context'])) return snapshot;
    let ref: RolloutRef | undefined;
    const outputs = new Map<string, HostOutput>();
    for (const r of journal as readonly RunRecord[]) {
      if (r.type === 'run-ref') ref = r.data.ref;
      if (r.type === 'host-result') outputs.set(resultKey(r.data.env, r.data.host), r.data.output);
    }
    this.refWritten = ref !== undefined;
    const theRef = (): RolloutRef => {
      if (ref === undefined) throw lost('the rollout (its run-ref record)');
      return ref;
    };
    const hosts = (v: unknown): unknown => {
      if (!isObj(v) || typeof v[HOSTS] !== 'string') return v;
      const env = v[HOSTS];
      const out: Record<string, HostOutput> = {};
      for (const host of v['hosts'] as string[]) {
        const o = outputs.get(resultKey(env, host));
        if (o === undefined) throw lost(`the result of ${env}/${host}`);
        this.written.add(o);
        out[host] = o;
      }
      return out;
    };
    const environment = (child: unknown): unknown => {
      const snap = isObj(child) ? child['snapshot'] : undefined;
      const c = isObj(snap) ? snap['context'] : undefined;
      if (!isObj(child) || !isObj(snap) || !isObj(c) || !isObj(c['env'])) return child;
      const name = c['env'][REF];
      if (typeof name !== 'string') return child;
      const env = theRef().environments.find((x) => x.name === name);
      if (env === undefined) throw lost(`environment ${name}`);
      // The machine's own derivation: waves are a pure function of hosts and policy.
      const context = { ...c, env, waves: wavesOf(env), results: hosts(c['results']) };
      return { ...child, snapshot: { ...snap, context } };
    };
    const context = snapshot['context'];
    const children = snapshot['children'];
    return {
      ...snapshot,
      context: {
        ...context,
        ...(context['ref'] === REF ? { ref: theRef() } : {}),
        ...(Array.isArray(context['results'])
          ? {
              results: (context['results'] as Obj[]).map((e) => ({
                ...e,
                hosts: hosts(e['hosts']),
              })),
            }
          : {}),
      },
      ...(isObj(children)
        ? {
            children: Object.fromEntries(
              Object.entries(children).map(([id, child]) => [id, environment(child)]),
            ),
          }
        : {}),
    };
  }

  private children(children: Obj, records: OnceRecord[]): Obj {
    const out: Obj = {};
    for (const [id, child] of Object.entries(children)) {
      const snap = isObj(child) ? child['snapshot'] : undefined;
      const c = isObj(snap) ? snap['context'] : undefined;
      if (!isObj(child) || child['src'] !== 'environment' || !isObj(snap) || !isObj(c)) {
        out[id] = child;
        continue;
      }
      const env = (c['env'] as EnvironmentRef).name;
      const context = {
        ...c,
        env: { [REF]: env },
        waves: { [WAVES]: env },
        results: this.hosts(env, c['results'] as Results, records),
      };
      out[id] = { ...child, snapshot: { ...snap, context } };
    }
    return out;
  }

  private hosts(env: string, results: Results, records: OnceRecord[]): Obj {
    const cached = this.slimmed.get(results);
    if (cached !== undefined) return cached;
    for (const [host, output] of Object.entries(results)) {
      if (this.written.has(output)) continue;
      records.push({ type: 'host-result', data: { env, host, output } });
      this.written.add(output);
    }
    const slim = { [HOSTS]: env, hosts: Object.keys(results) };
    this.slimmed.set(results, slim);
    return slim;
  }
}

const lost = (what: string) =>
  new CertrollError(
    'JOURNAL_INVALID',
    `The run's snapshot names ${what}, which its journal lacks.`,
    {
      hint: 'The run cannot be resumed from this state; see it with `certroll show RUN` and check its hosts by hand.',
    },
  );

/**
 * The snapshot as the run is resumed: an interrupt the operator gave before the process stopped
 * (Ctrl-C, then Ctrl-C again) is forgotten, since resuming is the decision to go on. A run that
 * stopped cleanly has finished and is not resumed.
 */
export function withoutInterrupt(snapshot: unknown): unknown {
  if (!isObj(snapshot) || !isObj(snapshot['context'])) return snapshot;
  const forget = (context: Obj): Obj => {
    const rest = { ...context };
    delete rest['interrupted'];
    return rest;
  };
  const children = snapshot['children'];
  return {
    ...snapshot,
    context: forget(snapshot['context']),
    ...(isObj(children)
      ? {
          children: Object.fromEntries(
            Object.entries(children).map(([id, child]) => {
              const snap = isObj(child) ? child['snapshot'] : undefined;
              if (!isObj(child) || !isObj(snap) || !isObj(snap['context'])) return [id, child];
              return [id, { ...child, snapshot: { ...snap, context: forget(snap['context']) } }];
            }),
          ),
        }
      : {}),
  };
}
