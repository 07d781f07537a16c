// Namespaced lab hosts: each host in its own network namespace (a veth to a bridge of the lab in
// the root namespace, an address in 10.250.X.0/24) and its own PID namespace with its own /proc,
// so that on the host `ss -ltnp`, `ps -e` and /proc show only that host's sockets and processes,
// as on a real machine. Files stay on the shared filesystem. Names carry a tag unique to the lab
// (its owner's pid in base 36 and two random characters): parallel labs never collide, and what a
// killed run left behind is found by its dead owner and removed by the next lab.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readlinkSync } from 'node:fs';
import { procStats } from './proc-stat.js';

export type Isolation = 'loopback' | 'netns';

export const IP = '/usr/sbin/ip';
const UNSHARE = '/usr/bin/unshare';
const NSENTER = '/usr/bin/nsenter';
const SETPRIV = '/usr/bin/setpriv';
const NS_PREFIX = 'certroll-';
const BRIDGE_PREFIX = 'crb';
const VETH_PREFIX = 'crv';

function ip(args: readonly string[]): string {
  return execFileSync(IP, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function tryIp(args: readonly string[]): void {
  try {
    ip(args);
  } catch {
    // Already gone: deleting what is not there is not an error here.
  }
}

let unavailable: string | null | undefined;
let warned = false;

/** Why namespaced hosts cannot run here (tried once, then cached), or null when they can. */
export function netnsUnavailable(): string | null {
  if (unavailable !== undefined) return unavailable;
  unavailable = probeNetns();
  return unavailable;
}

function probeNetns(): string | null {
  if (process.getuid?.() !== 0) return 'not running as root';
  const missing = [IP, UNSHARE, NSENTER, SETPRIV].filter((p) => !existsSync(p));
  if (missing.length > 0) return `${missing.join(', ')} missing`;
  const probe = `${NS_PREFIX}probe-${process.pid}`;
  try {
    ip(['netns', 'add', probe]);
    execFileSync(IP, ['netns', 'exec', probe, UNSHARE, '--pid', '--fork', '--mount-proc', 'true'], {
      stdio: 'pipe',
      timeout: 5_000,
    });
    return null;
  } catch (error) {
    const e = error as { stderr?: Buffer | string; message: string };
    return `ip netns / unshare failed: ${(e.stderr?.toString() || e.message).trim().split('\n')[0]}`;
  } finally {
    tryIp(['netns', 'delete', probe]);
  }
}

/** The isolation a lab gets: `netns` falls back to loopback, said once on stderr, where it cannot run. */
export function resolveIsolation(wanted: Isolation | undefined): Isolation {
  if (wanted !== 'netns') return 'loopback';
  const reason = netnsUnavailable();
  if (reason === null) return 'netns';
  if (!warned) {
    warned = true;
    process.stderr.write(
      `certroll lab: namespaced hosts unavailable (${reason}); lab hosts run on loopback addresses instead\n`,
    );
  }
  return 'loopback';
}

export interface NetnsHost {
  readonly ns: string;
  readonly address: string;
  /** argv that runs the rest in the host's namespaces, forking it as the PID namespace's init. */
  readonly launcher: readonly string[];
}

export interface NetnsLab {
  /** First three octets, e.g. `10.250.17`. */
  readonly subnet: string;
  readonly tag: string;
  /** Creates host n's namespace, veth and address (n in 1..253). */
  addHost(n: number): NetnsHost;
  /** Deletes the veths, namespaces and bridge this lab created (and only those). */
  stop(): void;
}

/** argv that runs the rest inside the namespaces of the host whose init is `initPid`. */
export function enterArgv(initPid: number): readonly string[] {
  return [NSENTER, '--target', String(initPid), '--net', '--pid', '--mount', '--'];
}

const tags = new Set<string>();

function newTag(): string {
  for (let i = 0; i < 100; i++) {
    const tag = process.pid.toString(36) + Math.random().toString(36).slice(2, 4).padEnd(2, '0');
    if (!tags.has(tag)) {
      tags.add(tag);
      return tag;
    }
  }
  throw new Error('lab: no free namespace tag');
}

function ownerAlive(tag: string): boolean {
  const pid = parseInt(tag.slice(0, -2), 36);
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes namespaces (without processes) and bridges of labs whose owner process is gone. */
export function removeStale(): void {
  const names = ip(['netns', 'list'])
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '');
  for (const ns of names) {
    const m = /^certroll-([0-9a-z]{3,})-\d+$/.exec(ns);
    if (m === null || ownerAlive(m[1]!)) continue;
    if (ip(['netns', 'pids', ns]).trim() !== '') continue; // still running: not ours to kill
    tryIp(['netns', 'delete', ns]);
  }
  for (const line of ip(['-o', 'link', 'show', 'type', 'bridge']).split('\n')) {
    const m = /^\d+: (crb([0-9a-z]{3,})):/.exec(line);
    if (m !== null && !ownerAlive(m[2]!)) tryIp(['link', 'delete', m[1]!]);
  }
}

function usedThirdOctets(): Set<number> {
  const used = new Set<number>();
  for (const m of ip(['-o', '-4', 'addr', 'show']).matchAll(/inet 10\.250\.(\d+)\./g)) {
    used.add(Number(m[1]));
  }
  return used;
}

let staleRemoved = false;

/** A bridge with its own 10.250.X.0/24 in the root namespace; hosts are added to it. */
export function startNetnsLab(): NetnsLab {
  if (!staleRemoved) {
    staleRemoved = true;
    removeStale();
  }
  const tag = newTag();
  const bridge = `${BRIDGE_PREFIX}${tag}`;
  const used = usedThirdOctets();
  const free = Array.from({ length: 256 }, (_, i) => i).filter((x) => !used.has(x));
  if (free.length === 0) throw new Error('lab: no free 10.250.X.0/24 for namespaced hosts');
  const subnet = `10.250.${free[Math.floor(Math.random() * free.length)]}`;
  const hosts: { ns: string; veth: string }[] = [];
  ip(['link', 'add', bridge, 'type', 'bridge']);
  const stop = (): void => {
    for (const h of hosts) {
      tryIp(['link', 'delete', h.veth]);
      tryIp(['netns', 'delete', h.ns]);
    }
    tryIp(['link', 'delete', bridge]);
  };
  try {
    ip(['addr', 'add', `${subnet}.254/24`, 'dev', bridge]);
    ip(['link', 'set', bridge, 'up']);
  } catch (error) {
    stop();
    throw error;
  }
  return {
    subnet,
    tag,
    stop,
    addHost: (n) => {
      if (!Number.isInteger(n) || n < 1 || n > 253) {
        throw new Error(`lab: no address left in ${subnet}.0/24 for host ${n}`);
      }
      const ns = `${NS_PREFIX}${tag}-${n}`;
      const veth = `${VETH_PREFIX}${tag}${n}`;
      const address = `${subnet}.${n}`;
      hosts.push({ ns, veth });
      ip(['netns', 'add', ns]);
      ip(['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      ip(['link', 'set', veth, 'master', bridge, 'up']);
      ip(['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
      ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      // A lab whose process is killed (-9: no exit hook) takes its hosts with it: the launcher
      // gets SIGKILL when we die, unshare's --kill-child ends sshd, and with the namespace's init
      // the kernel ends everything in it; the next lab then removes the empty namespaces.
      // (Linux sends it when the spawning thread ends: Node spawns from its main thread.)
      const dies = [SETPRIV, '--pdeathsig', 'KILL'];
      const unshare = [UNSHARE, '--pid', '--fork', '--kill-child', '--mount-proc', '--'];
      return { ns, address, launcher: [...dies, IP, 'netns', 'exec', ns, ...unshare] };
    },
  };
}

/** Namespaces, bridges and veths of the lab tagged `tag` that still exist (to prove none is left). */
export function netnsLeftovers(tag: string): string[] {
  const nss = ip(['netns', 'list'])
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(`${NS_PREFIX}${tag}-`));
  const links = ip(['-o', 'link', 'show'])
    .split('\n')
    .map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1] ?? '')
    .filter((n) => n === `${BRIDGE_PREFIX}${tag}` || n.startsWith(`${VETH_PREFIX}${tag}`));
  return [...nss, ...links];
}

/** The PID namespace of a process (`pid:[inode]`), or undefined when it is gone. */
function pidNamespace(pid: string | number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of everything that ran in the PID namespaces of these hosts' inits: for each live
 * process in one of them, its user + system time and that of its reaped children (utime, stime,
 * cutime, cstime; USER_HZ 100). A process that exited was reaped by a parent inside (sshd for
 * sessions, nginx's master for old workers, the namespace's init for orphans), so it is counted
 * once, in its parent's cutime/cstime.
 */
export function namespaceCpuS(initPids: readonly number[]): number {
  const wanted = new Set(initPids.map(pidNamespace).filter((n) => n !== undefined));
  let s = 0;
  for (const p of procStats((pid) => wanted.has(pidNamespace(pid) ?? '')))
    s += p.cpuS + p.childrenCpuS;
  return s;
}

/**
 * The last PID handed out in the PID namespace of a host whose init is `initPid`
 * (`/proc/sys/kernel/ns_last_pid`, read by a process inside it): the difference of two readings,
 * less one for the second reader itself, is how many processes and threads the host started in
 * between. Undefined when the namespace is gone.
 */
export function namespaceLastPid(initPid: number): number | undefined {
  const r = spawnSync(NSENTER, ['--target', String(initPid), '--pid', '--', 'cat', LAST_PID], {
    encoding: 'utf8',
    timeout: 5_000,
  });
  const n = Number(r.stdout.trim());
  return r.status === 0 && Number.isInteger(n) ? n : undefined;
}

const LAST_PID = '/proc/sys/kernel/ns_last_pid';
