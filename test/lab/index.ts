// The test lab: N hosts on distinct loopback addresses, each with its own sshd (own host key),
// a folder for its configs and certificates, and nginx/haproxy serving TLS on demand. Hosts come
// back in the inventory model's shape, so tests can feed them to certroll as they are. With
// `isolation: 'netns'` each host has its own network and PID namespaces instead (netns.ts).
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Host, type TransportConfig } from '../../src/inventory/model.js';
import { startLabHaproxy, HAPROXY, type LabHaproxy } from './haproxy.js';
import { generateKey, hashedKnownHostsLine, knownHostsLine, type SshKey } from './keys.js';
import { startLabNginx, NGINX, type CertFiles, type LabService } from './nginx.js';
import {
  enterArgv,
  resolveIsolation,
  startNetnsLab,
  type Isolation,
  type NetnsHost,
} from './netns.js';
import { freePort, setNamespacedAddress } from './procs.js';
import { type LatencyOptions, relayLab } from './relay-lab.js';
import { type Relay, type RelayCounters, zeroCounters } from './relay.js';
import { SSHD, startSshd, type SshdHandle } from './sshd.js';

export type { CertFiles, LabService, LabHaproxy, SshKey };
// One place to import the lab from: daemons, ports, certificates, inventories, what is served.
export { startHaproxy, startPool, type Haproxy, type HaproxyFrontend } from './haproxy.js';
export { startNginx, tlsServer, type Nginx, type NginxServer } from './nginx.js';
export { freePort, running, startSilentServer } from './procs.js';
export { generateKey, hashedKnownHostsLine, knownHostsLine, signHostKey } from './keys.js';
export * from './pki.js';
export * from './inventory.js';
export * from './served.js';
export * from './renewal.js';
export { namespaceCpuS, namespaceLastPid, netnsLeftovers, netnsUnavailable, type Isolation } from './netns.js';
export { procStats, type ProcStat } from './proc-stat.js';

export interface LabOptions {
  readonly hosts?: number;
  /** First three octets of the hosts' addresses, e.g. `127.0.1`; random 127.x.y by default. */
  readonly subnet?: string;
  readonly namePrefix?: string;
  /**
   * `loopback` (default): every host an sshd on its own 127.x.y.z. `netns`: every host in its own
   * network and PID namespaces at 10.250.x.y, seeing only its own processes and sockets; falls
   * back to loopback (said once on stderr) where namespaces cannot be made.
   */
  readonly isolation?: Isolation;
  /** Puts a latency relay in front of every host (test/lab/relay-lab.ts); none when absent. */
  readonly latency?: LatencyOptions;
}

export interface LabHost {
  readonly name: string;
  /** Where tests and inventories reach the host: its relay's address in a lab with latency. */
  readonly address: string;
  /** Where its daemons listen (`address` but in a lab with latency). */
  readonly realAddress: string;
  /** The relay in front of the host, in a lab with latency: its counters in `stats()`. */
  readonly relay?: Relay;
  readonly sshPort: number;
  /** `<lab>/hosts/<name>`: the host's configs, certificates and pid files live here. */
  readonly dir: string;
  /** First on the PATH of SSH sessions to this host: put shims (sudo, powershell) here. */
  readonly binDir: string;
  readonly hostKey: SshKey;
  /** Namespaced hosts: the pid of the host's PID namespace init (its sshd), to enter or measure it. */
  readonly initPid?: number;
  /** The host in the inventory model, ssh transport as root with the lab client key. */
  readonly host: Host;
  /** `host` with changes to its transport or other fields. */
  toHost(patch?: { transport?: Partial<TransportConfig> } & Partial<Omit<Host, 'transport'>>): Host;
  /** sshd's log (DEBUG1: every `userauth-request` appears). */
  sshdLog(): string;
  /** Authentication requests sshd received so far. */
  authAttempts(): number;
  /** Writes an executable into binDir. */
  addShim(name: string, script: string): string;
  nginx(opts: { ports: readonly number[]; cert: CertFiles }): Promise<LabService>;
  haproxy(opts: { ports: readonly number[]; cert: CertFiles }): Promise<LabHaproxy>;
}

export interface Lab {
  readonly dir: string;
  /** What the lab really got: `netns` asked for may have fallen back to `loopback`. */
  readonly isolation: Isolation;
  /** Namespaced labs: the tag in their namespaces', bridge's and veths' names. */
  readonly netnsTag?: string;
  readonly clientKey: SshKey;
  /** One plain `[addr]:port key` line per host. */
  readonly knownHostsPath: string;
  /** The same entries hashed (`|1|salt|hash`). */
  readonly hashedKnownHostsPath: string;
  readonly hosts: readonly LabHost[];
  /** Starts one more host (next address of the lab's subnet) and adds it to both known_hosts. */
  addHost(options?: AddHostOptions): Promise<LabHost>;
  /** The relays' counters summed over the hosts (zero in a lab without latency). */
  relayStats(): RelayCounters;
  stop(): Promise<void>;
}

/** What a host added later may change about its sshd (the simulated Windows host uses these). */
export interface SshdOptions {
  readonly extraConfig?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Folders on the sessions' PATH after the host's bin folder. */
  readonly path?: readonly string[];
  /** argv that execs sshd's, e.g. a mount namespace of its own. */
  readonly launcher?: readonly string[];
  /** Signs the host key; sshd presents the certificate (`HostCertificate`) at the path returned. */
  readonly hostCertificate?: (hostKey: SshKey, address: string) => string;
}

export interface AddHostOptions {
  /** Default `<prefix>-<n>`; its folder is `<lab>/hosts/<name>`. */
  readonly name?: string;
  readonly sshd?: SshdOptions;
}

const REQUIRED = [SSHD, NGINX, HAPROXY, '/usr/bin/ssh-keygen', '/usr/bin/openssl'];

export function assertLabPrerequisites(): void {
  const missing = REQUIRED.filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(
      `The test lab needs ${missing.join(', ')}. Install them with: ` +
        'apt-get install openssh-server openssh-client nginx haproxy openssl ' +
        '(scripts/install-lab-packages.sh does it).',
    );
  }
  if (process.getuid?.() !== 0) {
    throw new Error('The test lab runs sshd, nginx and haproxy as root: run the tests as root.');
  }
}

function randomSubnet(): string {
  // A random 127.x.y.0/24 per lab keeps parallel test files from colliding on ports.
  return `127.${10 + Math.floor(Math.random() * 240)}.${1 + Math.floor(Math.random() * 250)}`;
}

export async function startLab(options: LabOptions = {}): Promise<Lab> {
  assertLabPrerequisites();
  const count = options.hosts ?? 1;
  const isolation = resolveIsolation(options.isolation);
  const net = isolation === 'netns' ? startNetnsLab() : undefined;
  const subnet = net?.subnet ?? options.subnet ?? randomSubnet();
  const dir = mkdtempSync(join(tmpdir(), 'certroll-lab-'));
  // The namespaces go last, once every process in them is stopped (stoppers run in reverse).
  const stoppers: (() => Promise<void>)[] =
    net === undefined ? [] : [() => Promise.resolve(net.stop())];
  const netHost = (n: number): { net?: NetnsHost } =>
    net === undefined ? {} : { net: net.addHost(n) };
  const stop = async (): Promise<void> => {
    for (const s of stoppers.reverse()) await s().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    mkdirSync(join(dir, 'client'), { mode: 0o700 });
    const clientKey = generateKey(join(dir, 'client', 'id_ed25519'));
    const hosts: LabHost[] = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        startHost({
          lab: dir,
          name: `${options.namePrefix ?? 'lab'}-${i + 1}`,
          address: `${subnet}.${i + 1}`,
          clientKey,
          stoppers,
          ...netHost(i + 1),
        }),
      ),
    );
    const knownHostsPath = join(dir, 'known_hosts');
    const hashedKnownHostsPath = join(dir, 'known_hosts.hashed');
    const line = (h: LabHost, f: typeof knownHostsLine): string =>
      f(h.address, h.sshPort, h.hostKey.publicKey);
    const lines = (f: typeof knownHostsLine): string =>
      hosts.map((h) => line(h, f) + '\n').join('');
    writeFileSync(knownHostsPath, lines(knownHostsLine));
    writeFileSync(hashedKnownHostsPath, lines(hashedKnownHostsLine));
    let last = hosts.length;
    const addHost = async (opts: AddHostOptions = {}): Promise<LabHost> => {
      // Taken before the first await: hosts added at once get distinct addresses.
      const n = ++last;
      if (n > 254) throw new Error(`lab: no address left in ${subnet}.0/24`);
      const host = await startHost({
        lab: dir,
        name: opts.name ?? `${options.namePrefix ?? 'lab'}-${n}`,
        address: `${subnet}.${n}`,
        clientKey,
        stoppers,
        ...(opts.sshd === undefined ? {} : { sshd: opts.sshd }),
        ...netHost(n),
      });
      hosts.push(host);
      appendFileSync(knownHostsPath, line(host, knownHostsLine) + '\n');
      appendFileSync(hashedKnownHostsPath, line(host, hashedKnownHostsLine) + '\n');
      return host;
    };
    const relayStats = zeroCounters;
    const lab: Lab = {
      dir,
      isolation,
      ...(net === undefined ? {} : { netnsTag: net.tag }),
      clientKey,
      knownHostsPath,
      hashedKnownHostsPath,
      hosts,
      addHost,
      relayStats,
      stop,
    };
    return options.latency === undefined ? lab : await relayLab(lab, options.latency);
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startHost(o: {
  lab: string;
  name: string;
  address: string;
  clientKey: SshKey;
  stoppers: (() => Promise<void>)[];
  sshd?: SshdOptions;
  /** A namespaced host: its namespace, address and launcher. */
  net?: NetnsHost;
}): Promise<LabHost> {
  const dir = join(o.lab, 'hosts', o.name);
  const binDir = join(dir, 'bin');
  mkdirSync(binDir, { recursive: true });
  const address = o.net?.address ?? o.address;
  // In its own network namespace every port is free: sshd listens on 22, as on a real host.
  const sshPort = o.net === undefined ? await freePort(address) : 22;
  const sshd: SshdHandle = await startSshd({
    dir: join(dir, 'ssh'),
    address,
    port: sshPort,
    authorizedKeysPath: o.clientKey.publicPath,
    binDir,
    ...o.sshd,
    ...(o.net === undefined ? {} : { inside: o.net.launcher }),
  });
  o.stoppers.push(() => sshd.daemon.stop());
  if (o.net !== undefined) {
    setNamespacedAddress(address, true);
    o.stoppers.push(() => Promise.resolve(setNamespacedAddress(address, false)));
  }
  const inside = o.net === undefined ? {} : { enter: enterArgv(sshd.daemon.pid) };
  const knownHosts = join(o.lab, 'known_hosts');
  const transport: TransportConfig = {
    kind: 'ssh',
    port: sshPort,
    user: 'root',
    identityFile: o.clientKey.privatePath,
    knownHosts: [knownHosts],
    sudo: false,
    connectTimeoutMs: 5_000,
    commandTimeoutMs: 15_000,
  };
  const base: Host = {
    name: o.name,
    address,
    transport,
    legacyPfx: false,
    bindings: [],
    exclusions: [],
    origin: { file: join(o.lab, 'lab') },
  };
  const sshdLog = (): string => readFileSync(sshd.logPath, 'utf8');
  return {
    name: o.name,
    address,
    realAddress: address,
    sshPort,
    dir,
    binDir,
    hostKey: sshd.hostKey,
    ...(o.net === undefined ? {} : { initPid: sshd.daemon.pid }),
    host: base,
    toHost: (patch = {}) => ({
      ...base,
      ...patch,
      transport: { ...transport, ...patch.transport },
    }),
    sshdLog,
    authAttempts: () =>
      sshdLog()
        .split('\n')
        .filter((l) => l.includes('userauth-request')).length,
    addShim: (name, script) => {
      const path = join(binDir, name);
      writeFileSync(path, script, { mode: 0o755 });
      return path;
    },
    nginx: async ({ ports, cert }) => {
      const svc = await startLabNginx({ dir: join(dir, 'nginx'), address, ports, cert, ...inside });
      o.stoppers.push(() => svc.stop());
      return svc;
    },
    haproxy: async ({ ports, cert }) => {
      const svc = await startLabHaproxy({
        dir: join(dir, 'haproxy'),
        address,
        ports,
        cert,
        ...inside,
      });
      o.stoppers.push(() => svc.stop());
      return svc;
    },
  };
}
