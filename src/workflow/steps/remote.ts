// Running a playbook's step on a host: render it for the binding (src/playbooks/render.ts), then
// send it in as few remote commands as the shell allows. On sh hosts the staging folder, every
// file (their bytes on stdin, one after another) and the script go as one command; PowerShell
// hosts take files by their transport and read their input document from stdin.
import { type Binding } from '../../inventory/model.js';
import { materialOf, renderStep, type CapturedState } from '../../playbooks/index.js';
import { assertSuccess } from '../../transport/classify.js';
import {
  PUT_FILES_TOOLS_CHECK,
  WINDOWS_FACTS_SCRIPT,
  WINDOWS_FLOOR,
  belowWindowsFloor,
  parseWindowsFacts,
  putFilesScript,
} from '../../shell/index.js';
import { CertrollError } from '../../errors.js';
import { type ExecResult, type Transport } from '../../transport/types.js';
import { DEFAULT_LOCK_PATH } from '../host-lock.js';
import { type StepDeps } from '../ports.js';
import { type Connections } from './connections.js';
import { type Lookup } from './lookup.js';

export type StepName =
  'preflight' | 'capture' | 'stage' | 'bind' | 'rollback' | 'cleanup' | 'purge' | 'restart';

export interface Remote {
  /**
   * `then`: sh text to run after the step in the same command, when the step goes as one plain
   * command (no files, no stdin); the step's failure ends the command before it. Given the
   * host's transport, it may return undefined (nothing to add).
   */
  readonly run: (
    hostName: string,
    b: Binding,
    step: StepName,
    signal: AbortSignal,
    captured?: CapturedState,
    then?: (t: Transport) => string | undefined,
  ) => Promise<ExecResult>;
  /**
   * The read-only pre-flight and the capture: one remote command on sh hosts (the pre-flight in
   * a subshell whose output goes to stderr, so stdout is the capture's document alone), two on
   * PowerShell hosts, whose steps read their input document from stdin.
   */
  readonly preflightAndCapture: (
    hostName: string,
    b: Binding,
    signal: AbortSignal,
  ) => Promise<ExecResult>;
  /**
   * The one sh command of preflightAndCapture, to run after the host lock in the lock's own
   * command; undefined where the two go as separate commands (PowerShell, files or stdin).
   */
  readonly captureScript: (hostName: string, b: Binding, t: Transport) => string | undefined;
  /**
   * Keeps the result of captureScript run along with the lock: the next preflightAndCapture of
   * that host and binding takes it (once) instead of running the command again.
   */
  readonly keepCapture: (hostName: string, bindingId: string, result: ExecResult) => void;
  /** Forgets a kept capture nobody took (the host is done). */
  readonly dropCapture: (hostName: string) => void;
  /** Where the host lock lives: in the host's state folder, or the shell's default. */
  readonly lockPath: (name: string, t: Transport) => string;
}

export function createRemote(
  deps: Pick<StepDeps, 'runId' | 'cert' | 'material' | 'windowsFacts'>,
  look: Lookup,
  connections: Connections,
): Remote {
  const render = (hostName: string, b: Binding, step: StepName, captured?: CapturedState) => {
    const h = look.host(hostName);
    const pb = look.playbook(b);
    const stateDir = look.stateDir(h.name);
    return renderStep(pb, step, {
      runId: deps.runId,
      host: { name: h.name, address: h.address, ...(stateDir !== undefined ? { stateDir } : {}) },
      binding: b,
      cert: deps.cert,
      ...(step === 'stage' ? { material: deps.material(h, pb) } : {}),
      ...(captured !== undefined ? { captured } : {}),
    });
  };

  // Hosts whose versions were read by this run's steps (once per host, with its first preflight).
  const factsRead = new Set<string>();

  const run = async (
    hostName: string,
    b: Binding,
    step: StepName,
    signal: AbortSignal,
    captured?: CapturedState,
    then?: (t: Transport) => string | undefined,
    withFacts = false,
  ): Promise<ExecResult> => {
    const t = await connections.get(hostName, signal);
    const rendered = render(hostName, b, step, captured);
    const what = `${b.kind} ${step} of ${b.id}`;
    if (t.shell === 'sh' && rendered.stdin === undefined && rendered.uploads.length > 0)
      return runWithFiles(t, rendered, signal, what);
    if (rendered.prepare !== undefined)
      assertSuccess(
        await t.exec(rendered.prepare, { signal }),
        `${b.id} ${step} (prepare)`,
        t.target,
      );
    for (const upload of rendered.uploads)
      await t.putFile(upload.path, upload.data, { mode: upload.mode, signal });
    const after = t.shell === 'sh' && isPlain(rendered) ? then?.(t) : undefined;
    // The versions ride along with the first preflight (no PowerShell start of their own), and
    // are judged before the preflight's own result: a host below the floor gets the floor's message.
    const script = withFacts
      ? `${WINDOWS_FACTS_SCRIPT}\n${rendered.script}`
      : followedBy(rendered.script, after);
    const result = await t.exec(script, {
      signal,
      ...(rendered.stdin !== undefined ? { stdin: rendered.stdin } : {}),
    });
    const facts = withFacts ? judgeFacts(hostName, t.target, result) : undefined;
    if (facts !== undefined) {
      factsRead.add(hostName);
      deps.windowsFacts?.set(hostName, facts);
    }
    return assertSuccess(result, what, t.target);
  };

  // sh: the pre-flight in a subshell whose output goes to stderr, so stdout is the capture's alone.
  const captureScript = (hostName: string, b: Binding, t: Transport): string | undefined => {
    if (t.shell !== 'sh') return undefined;
    const pre = render(hostName, b, 'preflight');
    const cap = render(hostName, b, 'capture');
    if (!isPlain(pre) || !isPlain(cap)) return undefined;
    // Staging will write the files with dd (putFilesScript): check for it now, with the rest.
    const tools = materialOf(look.playbook(b)) === 'pem' ? `${PUT_FILES_TOOLS_CHECK}\n` : '';
    return `(\n${tools}${pre.script}\n) >&2 || exit $?\n${cap.script}`;
  };

  // Captures that ran along with the host lock (one command for both), by host: taken once.
  const kept = new Map<string, { binding: string; result: ExecResult }>();

  return {
    run,
    async preflightAndCapture(hostName, b, signal) {
      const t = await connections.get(hostName, signal);
      const what = `${b.kind} preflight and capture of ${b.id}`;
      const early = kept.get(hostName);
      if (early?.binding === b.id) {
        kept.delete(hostName);
        return assertSuccess(early.result, what, t.target);
      }
      if (t.shell === 'powershell') {
        await run(hostName, b, 'preflight', signal, undefined, undefined, !factsRead.has(hostName));
        return run(hostName, b, 'capture', signal);
      }
      const script = captureScript(hostName, b, t);
      if (script === undefined) {
        await run(hostName, b, 'preflight', signal);
        return run(hostName, b, 'capture', signal);
      }
      return assertSuccess(await t.exec(script, { signal }), what, t.target);
    },
    captureScript,
    keepCapture: (hostName, binding, result) => kept.set(hostName, { binding, result }),
    dropCapture: (hostName) => kept.delete(hostName),
    lockPath: (name, t) => lockPathOf(look.stateDir(name), t),
  };
}

const isPlain = (r: Rendered): boolean => r.stdin === undefined && r.uploads.length === 0;

/** The step in a subshell whose failure ends the command, then `after`. */
const followedBy = (script: string, after: string | undefined): string =>
  after === undefined ? script : `(\n${script}\n) || exit $?\n${after}`;

type Rendered = ReturnType<typeof renderStep>;
type WindowsHostFacts = NonNullable<ReturnType<typeof parseWindowsFacts>>;

/** sh: the prepare part, every file (bytes on stdin, one after another) and the script in one command. */
async function runWithFiles(
  t: Transport,
  rendered: Rendered,
  signal: AbortSignal,
  what: string,
): Promise<ExecResult> {
  // Each part in a subshell that stops the rest on failure.
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

/**
 * The Windows versions the first preflight read along, judged against the floor: a host below it
 * is refused with the floor's message. Returns the versions read ({} when the line held none), or
 * undefined when the script failed before printing them (the host's versions stay unknown).
 */
function judgeFacts(
  hostName: string,
  target: string,
  result: ExecResult,
): WindowsHostFacts | undefined {
  const read = parseWindowsFacts(result.stdout);
  // No line at all: the script failed before it (PowerShell missing, the session lost); the
  // step's own error says more than "versions not readable" would.
  if (read === undefined && result.exitCode !== 0) return undefined;
  const facts = read ?? {};
  const problems = belowWindowsFloor(facts);
  if (problems.length > 0) {
    throw new CertrollError(
      'HOST_UNSUPPORTED',
      `${hostName} (${target}) is below certroll's Windows floor: ${problems.join('; ')}.`,
      {
        hint: `Update the host (WMF ${WINDOWS_FLOOR.psVersion}, .NET Framework ${WINDOWS_FLOOR.netName} or later, ${WINDOWS_FLOOR.buildName} or later), or leave it out of this rollout (--host, or the inventory); docs/transports.md#version-floors says why each floor.`,
      },
    );
  }
  return facts;
}

/** Where the host lock lives: in the host's state folder, or the shell's default. */
function lockPathOf(stateDir: string | undefined, t: Transport): string {
  if (stateDir === undefined) return DEFAULT_LOCK_PATH[t.shell];
  return t.shell === 'sh'
    ? `${stateDir.replace(/\/+$/, '')}/certroll.lock`
    : `${stateDir.replace(/\\+$/, '')}\\certroll.lock`;
}
