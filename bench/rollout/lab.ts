// The bench lab: test/lab's hosts (each its own sshd, by default in its own network and PID
// namespaces, else on its own loopback address) with one nginx each serving `ports` TLS ports with
// the old certificate, and a reset back to it. More than 50 hosts are several test labs (one
// client key each), started one after the other.
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  namespaceCpuS,
  namespaceLastPid,
  procStats,
  startLab,
  type Isolation,
  type Lab,
} from '../../test/lab/index.js';
import { type LatencyOptions } from '../../test/lab/relay-lab.js';
import { type TrafficCounts } from './costs.js';
import { makePki, type BenchPki } from './pki.js';
import { verifyAll } from './verify.js';

export const SNI = 'www.bench.test';
export const FIRST_PORT = 9443;

export interface BenchHost {
  readonly name: string;
  readonly address: string;
  readonly sshPort: number;
  /** The client key this host's sshd accepts (one per test lab). */
  readonly identityFile: string;
  /** certroll's per-host state folder (staged material, backups, lock). */
  readonly stateDir: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly prefix: string;
  readonly configPath: string;
  reload(): void;
  /** The host's sshd log (every connection and session: bench/rollout/costs.ts counts them). */
  sshdLog(): string;
}

export interface BenchLab {
  readonly dir: string;
  /** What the hosts got: `netns` asked for falls back to `loopback` where namespaces cannot run. */
  readonly isolation: Isolation;
  /** Every host's key, one `[address]:port key` line each. */
  readonly knownHostsPath: string;
  readonly hosts: readonly BenchHost[];
  readonly ports: readonly number[];
  readonly pki: BenchPki;
  /**
   * CPU seconds used so far on the hosts' side. Namespaced hosts: every process in the hosts' PID
   * namespaces, with their reaped children (sshd, sessions, shells, scripts, nginx -t, nginx and
   * its workers, live or exited). Loopback hosts: every sshd and nginx this process started, with
   * their reaped children (a live nginx worker's time counts once it exits).
   */
  hostCpuS(): number;
  /**
   * Processes the hosts started so far, summed (namespaced hosts: the PIDs their namespaces
   * handed out); undefined on loopback hosts, which share this machine's PID counter.
   */
  hostForks(): number | undefined;
  /** Every host back to the old certificate, proven by a probe of every port. */
  reset(): Promise<void>;
  /** What the relays in front of the hosts counted so far (undefined without relays). */
  traffic(): TrafficCounts | undefined;
  stop(): Promise<void>;
}

// Loopback hosts: utime + stime + cutime + cstime of our direct children (the lab's daemons), in
// seconds (Linux /proc; USER_HZ is 100). Namespaced hosts' daemons are children of unshare and
// nsenter instead: namespaceCpuS counts them.
function childrenCpuS(): number {
  let s = 0;
  for (const p of procStats()) {
    if (p.ppid === process.pid && (p.name === 'sshd' || p.name === 'nginx'))
      s += p.cpuS + p.childrenCpuS;
  }
  return s;
}

/** Runs `fn` over `items`, at most `limit` at once. */
export async function pool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** What the hosts' relays counted so far: SSH and TLS connections, bytes, turns. */
function trafficOf(
  hosts: readonly Lab['hosts'][number][],
  tlsPorts: readonly number[],
): TrafficCounts {
  let sshConnections = 0;
  let tlsConnections = 0;
  let bytes = 0;
  let turns = 0;
  for (const h of hosts) {
    const s = h.relay?.stats();
    if (s === undefined) continue;
    sshConnections += s.ports[h.sshPort]?.connections ?? 0;
    for (const p of tlsPorts) tlsConnections += s.ports[p]?.connections ?? 0;
    bytes += s.bytesUp + s.bytesDown;
    turns += s.turns;
  }
  return { sshConnections, tlsConnections, bytes, turns };
}

/** `chunk`: hosts per test lab; a larger fleet is several labs, started one after the other. */
export async function startBenchLab(
  hostCount: number,
  portCount: number,
  chunk = 50,
  isolation: Isolation = 'netns',
  latency?: LatencyOptions,
): Promise<BenchLab> {
  const labs: Lab[] = [];
  const stop = async (): Promise<void> => {
    for (const l of labs.reverse()) await l.stop();
  };
  try {
    // Loopback: one random 127.x.y/24 per lab, consecutive y, so that labs never share an
    // address. Namespaced labs pick a free 10.250.x/24 each.
    const x = 10 + Math.floor(Math.random() * 240);
    const y = 1 + Math.floor(Math.random() * 200);
    for (let k = 0; k * chunk < hostCount; k++) {
      const hosts = Math.min(chunk, hostCount - k * chunk);
      const subnet = `127.${x}.${y + k}`;
      labs.push(
        await startLab({
          hosts,
          subnet,
          namePrefix: `web${k + 1}`,
          isolation,
          ...(latency !== undefined ? { latency } : {}),
        }),
      );
    }
    const first = labs[0]!;
    const initPids = labs.flatMap((l) => l.hosts.flatMap((h) => h.initPid ?? []));
    const hostCpuS = (): number =>
      first.isolation === 'netns' ? namespaceCpuS(initPids) : childrenCpuS();
    // Each reading starts one reader in every host, taken off here: the difference of two
    // readings is what ran in between.
    let readings = 0;
    const hostForks = (): number | undefined => {
      if (first.isolation !== 'netns') return undefined;
      readings++;
      let sum = 0;
      for (const pid of initPids) {
        const last = namespaceLastPid(pid);
        if (last === undefined) return undefined;
        sum += last;
      }
      return sum - readings * initPids.length;
    };
    const knownHostsPath = join(first.dir, 'known_hosts.all');
    writeFileSync(knownHostsPath, labs.map((l) => readFileSync(l.knownHostsPath, 'utf8')).join(''));
    const pki = makePki(join(first.dir, 'pki'), SNI);
    const ports = Array.from({ length: portCount }, (_, i) => FIRST_PORT + i);
    const labHosts = labs.flatMap((l) => l.hosts.map((h) => ({ h, key: l.clientKey.privatePath })));
    const hosts = await pool(labHosts, 16, async ({ h, key }): Promise<BenchHost> => {
      const svc = await h.nginx({
        ports,
        cert: { certPath: pki.old.fullchain, keyPath: pki.old.key },
      });
      const stateDir = join(h.dir, 'state');
      mkdirSync(stateDir, { mode: 0o700 });
      return {
        name: h.name,
        address: h.address,
        sshPort: h.sshPort,
        identityFile: key,
        stateDir,
        certPath: svc.certPath,
        keyPath: svc.keyPath,
        prefix: svc.prefix,
        configPath: svc.configPath,
        reload: () => svc.reload(),
        sshdLog: () => h.sshdLog(),
      };
    });
    const reset = async (): Promise<void> => {
      for (const h of hosts) {
        copyFileSync(pki.old.fullchain, h.certPath);
        copyFileSync(pki.old.key, h.keyPath);
        chmodSync(h.certPath, 0o644);
        chmodSync(h.keyPath, 0o600);
        rmSync(h.stateDir, { recursive: true, force: true });
        mkdirSync(h.stateDir, { mode: 0o700 });
        h.reload();
      }
      // A reload takes effect shortly after nginx -s reload returns: wait (bounded) for it.
      const until = Date.now() + 30_000;
      for (let i = 0; i < 300; i++) {
        const v = await verifyAll(hosts, ports, SNI, pki.old.sha256, 32);
        if (v.wrong.length === 0) return;
        if (Date.now() > until) throw new Error(`reset: ${v.wrong.length} port(s) not reset`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const { dir, isolation: got } = first;
    const relayed = labHosts.map(({ h }) => h);
    const traffic = (): TrafficCounts | undefined =>
      latency === undefined ? undefined : trafficOf(relayed, ports);
    return {
      dir,
      isolation: got,
      knownHostsPath,
      hosts,
      ports,
      pki,
      reset,
      hostCpuS,
      hostForks,
      traffic,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
