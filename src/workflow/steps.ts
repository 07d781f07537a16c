// The real steps of a rollout, built from injected dependencies (transports, playbooks, a
// verifier), so the workflow never constructs an adapter itself. Each step is idempotent or checks
// before it acts (the playbooks' scripts do: stage keeps the first backup, bind of an already
// bound file rewrites the same bytes), because a resumed run runs the interrupted step again.
import { CertrollError } from '../errors.js';
import { type Binding, type Host, type Inventory } from '../inventory/model.js';
import {
  materialOf,
  parseCapture,
  renderStep,
  type CapturedState,
  type Material,
  type Playbook,
  type PlaybookRegistry,
} from '../playbooks/index.js';
import { unitOfBinding, unitsOf, type Unit } from '../plan/units.js';
import { assertSuccess } from '../transport/classify.js';
import { PUT_FILES_TOOLS_CHECK, putFilesScript } from '../shell/index.js';
import { type Transport } from '../transport/types.js';
import { acquireHostLock, DEFAULT_LOCK_PATH, releaseHostLock } from './host-lock.js';
import { type AllSteps } from './journaled.js';
import { REASON } from './outcome.js';
import { undoUnit } from './undo.js';
import {
  type BindingOutcome,
  type BindingStepInput,
  type CaptureInput,
  type CaptureResult,
  type HostOutput,
  type VerifyResult,
} from './types.js';

/** How bindings are proven: implemented over the TLS probe by the composition root. */
export interface BindingVerifier {
  /**
   * Every SNI name (and pool member) of the binding serves `sha256`, retried until a deadline.
   * With `anyChain`, the fingerprint alone is proof: used for the previous certificate, which
   * is restored as it was, even when its chain or name never validated.
   */
  serves(
    binding: Binding,
    sha256: string,
    signal: AbortSignal,
    anyChain?: boolean,
  ): Promise<VerifyResult>;
  /** Every probe of the binding answers with something other than `sha256`. */
  notServes(binding: Binding, sha256: string, signal: AbortSignal): Promise<VerifyResult>;
  /** What the binding serves right now (one probe), or undefined when it does not answer. */
  current(binding: Binding, signal: AbortSignal): Promise<string | undefined>;
}

export interface StepDeps {
  readonly runId: string;
  readonly inventory: Inventory;
  readonly playbooks: PlaybookRegistry;
  readonly cert: { readonly sha256: string; readonly thumbprint: string };
  /** The key material for a host, in the form its playbook takes (PFX repacked per host). */
  readonly material: (host: Host, playbook: Playbook) => Material;
  readonly transportFor: (host: Host) => Transport;
  readonly verifier: BindingVerifier;
  /** Approval gate; the CLI prompts or reads --approve / --yes. */
  readonly approve?: (env: string, signal: AbortSignal) => Promise<boolean>;
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * The folder on the host for staged material, backups and the host lock (default /var/tmp on
   * sh hosts, C:\ProgramData\certroll on Windows).
   */
  readonly stateDirFor?: (host: Host) => string | undefined;
}

/** What capture keeps for a binding: the playbook's capture and what was served before. */
export interface BindingCapture {
  readonly captured: CapturedState;
  readonly previous?: string;
}

/** The rollout's steps, plus `purge`: removing what a finished run kept on a host (backups). */
export interface RolloutStepsImpl extends AllSteps {
  purge(input: { host: string }, signal: AbortSignal): Promise<string[]>;
}

export function createRolloutSteps(deps: StepDeps): RolloutStepsImpl {
  const hosts = new Map<string, Host>();
  for (const env of deps.inventory.environments) for (const h of env.hosts) hosts.set(h.name, h);
  const open = new Map<string, Transport>();
  // Bindings staged on each host in this process; after a resume, cleanup covers them all.
  const stagedBindings = new Map<string, Set<string>>();
  const staged = (name: string): Set<string> => {
    let set = stagedBindings.get(name);
    if (set === undefined) stagedBindings.set(name, (set = new Set()));
    return set;
  };

  const host = (name: string): Host => {
    const h = hosts.get(name);
    if (h === undefined)
      throw new CertrollError('INTERNAL', `host ${name} is not in the inventory`);
    return h;
  };
  const binding = (h: Host, id: string): Binding => {
    const b = h.bindings.find((x) => x.id === id);
    if (b === undefined)
      throw new CertrollError('INTERNAL', `binding ${id} is not on host ${h.name}`);
    return b;
  };
  const playbook = (b: Binding): Playbook => {
    const pb = deps.playbooks.get(b.kind);
    if (pb === undefined)
      throw new CertrollError('PLAYBOOK_NOT_FOUND', `No playbook for binding kind ${b.kind}.`);
    return pb;
  };
  const unitCache = new Map<string, Unit[]>();
  /** The host's bindings in units (src/plan/units.ts), the same in every process of a run. */
  const units = (name: string): Unit[] => {
    let u = unitCache.get(name);
    if (u === undefined)
      unitCache.set(name, (u = unitsOf(host(name), (k) => deps.playbooks.get(k))));
    return u;
  };
  const transport = async (name: string, signal: AbortSignal): Promise<Transport> => {
    const existing = open.get(name);
    if (existing !== undefined) return existing;
    const t = deps.transportFor(host(name));
    await t.connect(signal);
    open.set(name, t);
    return t;
  };
  const stateDir = (name: string): string | undefined =>
    deps.stateDirFor?.(host(name)) ?? host(name).stateDir;
  const lockPath = (name: string, t: Transport): string => {
    const dir = stateDir(name);
    if (dir === undefined) return DEFAULT_LOCK_PATH[t.shell];
    return t.shell === 'sh'
      ? `${dir.replace(/\/+$/, '')}/certroll.lock`
      : `${dir.replace(/\\+$/, '')}\\certroll.lock`;
  };

  type StepName =
    'preflight' | 'capture' | 'stage' | 'bind' | 'rollback' | 'cleanup' | 'purge' | 'restart';
  const render = (hostName: string, b: Binding, step: StepName, captured?: CapturedState) => {
    const h = host(hostName);
    const pb = playbook(b);
    return renderStep(pb, step, {
      runId: deps.runId,
      host: {
        name: h.name,
        address: h.address,
        ...(stateDir(h.name) !== undefined ? { stateDir: stateDir(h.name) } : {}),
      },
      binding: b,
      cert: deps.cert,
      ...(step === 'stage' ? { material: deps.material(h, pb) } : {}),
      ...(captured !== undefined ? { captured } : {}),
    });
  };

  const run = async (
    hostName: string,
    b: Binding,
    step: StepName,
    signal: AbortSignal,
    captured?: CapturedState,
  ) => {
    const t = await transport(hostName, signal);
    const rendered = render(hostName, b, step, captured);
    const what = `${b.kind} ${step} of ${b.id}`;
    if (t.shell === 'sh' && rendered.stdin === undefined && rendered.uploads.length > 0) {
      // One remote command: the staging folder, every file (their bytes on stdin, one after
      // another) and the step's script, each part in a subshell that stops the rest on failure.
      const files = rendered.uploads.map((u) => ({
        path: u.path,
        mode: u.mode,
        data: typeof u.data === 'string' ? Buffer.from(u.data) : u.data,
      }));
      const script = [
        ...(rendered.prepare !== undefined ? [`(\n${rendered.prepare}\n) || exit $?`] : []),
        `(\n${putFilesScript(files.map((f) => ({ path: f.path, mode: f.mode, size: f.data.length })))}\n) || exit $?`,
        rendered.script,
      ].join('\n');
      const stdin = Buffer.concat(files.map((f) => f.data));
      return assertSuccess(await t.exec(script, { signal, stdin }), what, t.target);
    }
    if (rendered.prepare !== undefined)
      assertSuccess(
        await t.exec(rendered.prepare, { signal }),
        `${b.id} ${step} (prepare)`,
        t.target,
      );
    for (const upload of rendered.uploads)
      await t.putFile(upload.path, upload.data, { mode: upload.mode, signal });
    const result = await t.exec(rendered.script, {
      signal,
      ...(rendered.stdin !== undefined ? { stdin: rendered.stdin } : {}),
    });
    return assertSuccess(result, what, t.target);
  };

  /**
   * The read-only pre-flight and the capture: one remote command on sh hosts (the pre-flight in
   * a subshell whose output goes to stderr, so stdout is the capture's document alone), two on
   * PowerShell hosts, whose steps read their input document from stdin.
   */
  const preflightAndCapture = async (hostName: string, b: Binding, signal: AbortSignal) => {
    const t = await transport(hostName, signal);
    const pre = render(hostName, b, 'preflight');
    const cap = render(hostName, b, 'capture');
    const plain = (r: typeof pre) => r.stdin === undefined && r.uploads.length === 0;
    if (t.shell !== 'sh' || !plain(pre) || !plain(cap)) {
      await run(hostName, b, 'preflight', signal);
      return run(hostName, b, 'capture', signal);
    }
    // Staging will write the files with dd (putFilesScript): check for it now, with the rest.
    const tools = materialOf(playbook(b)) === 'pem' ? `${PUT_FILES_TOOLS_CHECK}\n` : '';
    const script = `(\n${tools}${pre.script}\n) >&2 || exit $?\n${cap.script}`;
    return assertSuccess(
      await t.exec(script, { signal }),
      `${b.kind} preflight and capture of ${b.id}`,
      t.target,
    );
  };

  const bindingCapture = (input: BindingStepInput): BindingCapture =>
    input.captured as BindingCapture;

  /** Runs `check` for every member of the unit at once; ok when every member is. */
  const everyMember = async (
    input: BindingStepInput,
    check: (id: string) => Promise<VerifyResult>,
  ): Promise<VerifyResult> => {
    const ids = input.bindings ?? [input.binding];
    if (ids.length === 1) return check(ids[0]!);
    const results = await Promise.all(ids.map(async (id) => [id, await check(id)] as const));
    const failed = results.find(([, r]) => !r.ok);
    const lead = failed ?? results[0]!;
    return {
      ok: failed === undefined,
      ...(lead[1].observed !== undefined ? { observed: lead[1].observed } : {}),
      ...(failed !== undefined
        ? { reason: `${failed[0]}: ${failed[1].reason ?? 'probe failed'}` }
        : {}),
      bindings: Object.fromEntries(results),
    };
  };

  const verifyRollback = async (
    input: BindingStepInput,
    signal: AbortSignal,
  ): Promise<VerifyResult> => {
    const h = host(input.host);
    return everyMember(input, (id) => {
      const b = binding(h, id);
      const { previous } = (input.capturedBy?.[id] ?? input.captured) as BindingCapture;
      // The previous certificate is proven when it is known; a port that served nothing before
      // can only be proven not to serve the new one.
      return previous !== undefined
        ? deps.verifier.serves(b, previous, signal, true)
        : deps.verifier.notServes(b, deps.cert.sha256, signal);
    });
  };

  const rollbackStep = async (input: BindingStepInput, signal: AbortSignal): Promise<void> => {
    const b = binding(host(input.host), input.binding);
    await run(input.host, b, 'rollback', signal, bindingCapture(input).captured);
  };

  const release = async (
    { host: name, locked }: { host: string; locked: boolean },
    signal: AbortSignal,
  ): Promise<void> => {
    // A resumed run may release a lock taken by the process that died: connect to do it.
    const t = locked ? await transport(name, signal) : open.get(name);
    if (t === undefined) return;
    try {
      if (locked) await releaseHostLock(t, deps.runId, lockPath(name, t), signal);
    } finally {
      open.delete(name);
      await t.close();
    }
  };

  const purge = async (
    { host: name }: { host: string },
    signal: AbortSignal,
  ): Promise<string[]> => {
    // Only playbooks that keep something on the host have a purge step.
    const purged: string[] = [];
    for (const b of host(name).bindings) {
      if (playbook(b).steps.purge === undefined) continue;
      await run(name, b, 'purge', signal);
      purged.push(b.id);
    }
    return purged;
  };

  return {
    purge,
    async connect({ host: name }, signal) {
      await transport(name, signal);
    },
    async lockHost({ host: name }, signal) {
      const t = await transport(name, signal);
      await acquireHostLock(t, deps.runId, lockPath(name, t), signal);
    },
    async capture(input: CaptureInput, signal): Promise<CaptureResult> {
      const h = host(input.host);
      const leader = binding(h, input.binding);
      const out = await preflightAndCapture(h.name, leader, signal);
      const captured = parseCapture(out.stdout, { host: h.name, kind: leader.kind });
      // Each member's own served certificate (they share the files, not necessarily what is
      // served: a port can lag behind, or already be on the new certificate).
      const ids = input.bindings ?? [input.binding];
      const members = await Promise.all(
        ids.map(async (id): Promise<[string, CaptureResult]> => {
          const b = binding(h, id);
          const previous = await deps.verifier.current(b, signal);
          const state: BindingCapture = {
            captured,
            ...(previous !== undefined ? { previous } : {}),
          };
          // Already current only when a full verification passes, never on one lucky probe.
          const alreadyCurrent =
            previous === deps.cert.sha256 &&
            (await deps.verifier.serves(b, deps.cert.sha256, signal)).ok;
          return [id, { alreadyCurrent, state }];
        }),
      );
      const [, first] = members[0]!;
      if (members.length === 1) return first;
      return {
        alreadyCurrent: members.every(([, m]) => m.alreadyCurrent),
        state: first.state,
        members: Object.fromEntries(members),
      };
    },
    async stage({ host: name, bindings }, signal) {
      const h = host(name);
      for (const { binding: id, captured } of bindings) {
        await run(name, binding(h, id), 'stage', signal, (captured as BindingCapture).captured);
        staged(name).add(id);
      }
    },
    async bind(input, signal) {
      const h = host(input.host);
      const b = binding(h, input.binding);
      await run(h.name, b, 'bind', signal, bindingCapture(input).captured);
    },
    async verify(input, signal) {
      const h = host(input.host);
      return everyMember(input, (id) =>
        deps.verifier.serves(binding(h, id), deps.cert.sha256, signal),
      );
    },
    rollback: rollbackStep,
    verifyRollback,
    async restart(input, signal) {
      const b = binding(host(input.host), input.binding);
      await run(input.host, b, 'restart', signal, bindingCapture(input).captured);
    },
    async cleanup({ host: name }, signal) {
      const h = host(name);
      const failures: string[] = [];
      // After a resume this process may not know what was staged: clean up every binding (the
      // cleanup scripts remove what exists and ignore what does not).
      const ids = stagedBindings.has(name) ? [...staged(name)] : h.bindings.map((b) => b.id);
      for (const id of ids) {
        try {
          await run(name, binding(h, id), 'cleanup', signal);
        } catch (error) {
          failures.push(`${id}: ${(error as Error).message}`);
        }
      }
      if (failures.length > 0) {
        throw new CertrollError(
          'TRANSPORT_COMMAND_FAILED',
          `${name}: cleanup failed; staged key material may remain: ${failures.join('; ')}`,
        );
      }
    },
    release,
    async rollbackHost({ host: name, output }, signal): Promise<HostOutput> {
      // Restores a completed host's verified bindings from the captures its output kept, one
      // unit at a time, newest first, under the host lock, proving each binding with a probe.
      const verified = Object.entries(output.bindings)
        .filter(([, o]) => o.status === 'verified')
        .map(([id]) => id);
      const groups = new Map<string, string[]>();
      for (const id of verified) {
        const unit = unitOfBinding(units(name), id);
        const leader = unit[0] ?? id;
        groups.set(leader, [...(groups.get(leader) ?? []), id]);
      }
      const bindings: Record<string, BindingOutcome> = { ...output.bindings };
      const setAll = (ids: readonly string[], o: (id: string) => BindingOutcome) => {
        for (const id of ids) bindings[id] = o(id);
      };
      const t = await transport(name, signal);
      await acquireHostLock(t, deps.runId, lockPath(name, t), signal);
      try {
        for (const [leader, members] of [...groups].reverse()) {
          const captureOf = (id: string) =>
            output.bindings[id]?.captured as BindingCapture | undefined;
          const capture = captureOf(leader) ?? captureOf(members[0] ?? leader);
          if (capture === undefined) {
            setAll(members, () => ({ status: 'needs-attention', reason: REASON.noCapture }));
            continue;
          }
          const outcomes = await undoUnit(
            { rollback: rollbackStep, verifyRollback },
            {
              host: name,
              binding: leader,
              captured: capture,
              bindings: members,
              capturedBy: Object.fromEntries(members.map((m) => [m, captureOf(m) ?? capture])),
            },
            signal,
          );
          Object.assign(bindings, outcomes);
        }
      } finally {
        await release({ host: name, locked: true }, signal);
      }
      const attention = Object.values(bindings).some((o) => o.status === 'needs-attention');
      return { host: name, status: attention ? 'needs-attention' : 'rolled-back', bindings };
    },
    async approve({ env }, signal) {
      if (deps.approve === undefined) return false;
      return deps.approve(env, signal);
    },
    async soak({ env, soakMs }, signal) {
      const sleep =
        deps.sleep ??
        ((ms, s) =>
          new Promise<void>((resolve) => {
            const t = setTimeout(resolve, ms);
            s.addEventListener(
              'abort',
              () => {
                clearTimeout(t);
                resolve();
              },
              { once: true },
            );
          }));
      await sleep(soakMs, signal);
      const e = deps.inventory.environments.find((x) => x.name === env);
      for (const h of e?.hosts ?? []) {
        for (const b of h.bindings) {
          const r = await deps.verifier.serves(b, deps.cert.sha256, signal);
          if (!r.ok)
            return {
              ok: false,
              reason: `${h.name} ${b.id}: ${r.reason ?? 'no longer serves the new certificate'}`,
            };
        }
      }
      return { ok: true };
    },
  };
}
