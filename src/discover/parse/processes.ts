// Running nginx masters and haproxy processes from `ps -eo pid=,ppid=,args=` (or `ps -eo args=`
// where ps cannot print pids), so that instances the inventory does not mention are read too.
// Arguments are split on spaces, as ps prints them (a path with a space in it is not recognised).
import { type NginxCommand } from '../sh-scripts.js';

/** How many nginx commands and haproxy files discovery reads, after selection. */
const MAX_PROCESSES = 16;
/** A bound on what one ps listing can add before selection. */
const MAX_FOUND = 1024;

export interface ProcessIds {
  readonly pid: number;
  readonly ppid: number;
}

export interface RunningNginx extends NginxCommand {
  /** The masters that run this command, when ps printed pids. */
  readonly procs?: readonly ProcessIds[];
}

export interface RunningHaproxy {
  readonly config: string;
  /** The haproxy processes that load this file, when ps printed pids. */
  readonly procs?: readonly ProcessIds[];
}

export interface RunningProcesses {
  readonly nginx: RunningNginx[];
  readonly haproxy: RunningHaproxy[];
  /** Parent of every process listed (workers included), when ps printed pids. */
  readonly parents?: ReadonlyMap<number, number>;
}

function valueAfter(words: readonly string[], flag: string): string[] {
  const out: string[] = [];
  words.forEach((w, i) => {
    const next = words[i + 1];
    if (w === flag && next !== undefined) out.push(next);
  });
  return out;
}

/** `  123     1 nginx: master process ...` or, without pids, `nginx: master process ...`. */
function splitLine(line: string): { ids?: ProcessIds; args: string } {
  const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
  if (m === null) return { args: line.trim() };
  return { ids: { pid: Number(m[1]), ppid: Number(m[2]) }, args: m[3]!.trim() };
}

export function parseProcesses(text: string): RunningProcesses {
  const nginx = new Map<string, NginxCommand & { procs: ProcessIds[] }>();
  const haproxy = new Map<string, ProcessIds[]>();
  const parents = new Map<number, number>();
  for (const line of text.split('\n')) {
    const { ids, args } = splitLine(line);
    if (ids !== undefined) parents.set(ids.pid, ids.ppid);
    const procs = ids !== undefined ? [ids] : [];
    const m = /^nginx: master process (\S+)(.*)$/.exec(args);
    if (m !== null) {
      const words = m[2]!.trim().split(/\s+/);
      const cmdArgs = [
        ...valueAfter(words, '-p').flatMap((p) => ['-p', p]),
        ...valueAfter(words, '-c').flatMap((c) => ['-c', c]),
      ];
      const key = JSON.stringify([m[1], cmdArgs]);
      const seen = nginx.get(key);
      if (seen !== undefined) seen.procs.push(...procs);
      else if (nginx.size < MAX_FOUND) nginx.set(key, { binary: m[1]!, args: cmdArgs, procs });
      continue;
    }
    const words = args.split(/\s+/);
    if (/(^|\/)haproxy$/.test(words[0] ?? ''))
      for (const f of valueAfter(words, '-f')) {
        const seen = haproxy.get(f);
        if (seen !== undefined) seen.push(...procs);
        else if (haproxy.size < MAX_FOUND) haproxy.set(f, procs);
      }
  }
  const known = parents.size > 0;
  const withProcs = <T>(x: T, procs: ProcessIds[]) => (known ? { ...x, procs } : x);
  return {
    nginx: [...nginx.values()].map(({ procs, ...n }) => withProcs(n, procs)),
    haproxy: [...haproxy].map(([config, procs]) => withProcs({ config }, procs)),
    ...(known ? { parents } : {}),
  };
}

export interface SelectedProcesses {
  readonly nginx: NginxCommand[];
  readonly haproxy: string[];
  /** Running instances left out: they own no listener in `owners`. */
  readonly skipped: { readonly nginx: number; readonly haproxy: number };
}

/**
 * The running instances worth reading: with `owners` (the pids that own a listener this host
 * serves), those that own one themselves or through a child (an nginx or haproxy worker);
 * without it, all of them. At most MAX_PROCESSES of each kind.
 */
export function selectRunning(
  running: RunningProcesses,
  owners: ReadonlySet<number> | undefined,
): SelectedProcesses {
  const owning = new Set(owners);
  for (const pid of owners ?? []) {
    const parent = running.parents?.get(pid);
    if (parent !== undefined) owning.add(parent);
  }
  const keep = (procs: readonly ProcessIds[] | undefined) =>
    owners === undefined ||
    procs === undefined ||
    procs.length === 0 ||
    procs.some((p) => owning.has(p.pid));
  const left = { nginx: new Map<number, number>(), haproxy: new Map<number, number>() };
  const nginx: NginxCommand[] = [];
  for (const { procs, ...n } of running.nginx)
    if (!keep(procs)) for (const p of procs ?? []) left.nginx.set(p.pid, p.ppid);
    else if (nginx.length < MAX_PROCESSES) nginx.push(n);
  const haproxy: string[] = [];
  for (const h of running.haproxy)
    if (!keep(h.procs)) for (const p of h.procs ?? []) left.haproxy.set(p.pid, p.ppid);
    else if (haproxy.length < MAX_PROCESSES) haproxy.push(h.config);
  // An instance is a process whose parent is not one of the same kind (a haproxy master, not
  // its worker).
  const instances = (m: ReadonlyMap<number, number>) =>
    [...m.values()].filter((ppid) => !m.has(ppid)).length;
  const skipped = { nginx: instances(left.nginx), haproxy: instances(left.haproxy) };
  return { nginx, haproxy, skipped };
}
