// The lab behind latency relays (`startLab({ latency })`): each host gets a relay on its own
// loopback address (the host's last octet + 100, same /24; for a namespaced host, its last octet
// in a loopback /24 of the lab's relays), and the host as tests and inventories see it
// (`address`, `host`, `toHost`, known_hosts) is the relay's; sshd, nginx and haproxy still listen
// on the host's real address, which `realAddress` keeps. Every port the host serves through the
// lab (sshd's, and nginx's or haproxy's started later) is relayed; known_hosts names the relay's
// address, so host keys are still verified.
import { writeFileSync } from 'node:fs';
import { hashedKnownHostsLine, knownHostsLine } from './keys.js';
// `import type`: no runtime import of index.js, which imports this file.
import type { AddHostOptions, Lab, LabHost } from './index.js';
import {
  addCounters,
  type RelayCounters,
  type RelayShaping,
  startRelay,
  zeroCounters,
} from './relay.js';

/** The options of `startLab({ latency })`: the relays' shaping (see RelayShaping). */
export type LatencyOptions = RelayShaping;

const OFFSET = 100;

/**
 * The relay's address for a host: on loopback `127.x.y.d` -> `127.x.y.(d + 100)` (a host past .100
 * would share an address with a relay); a namespaced host (10.250.x.d, not local to this
 * namespace) gets `<loopback>.d` in a loopback /24 of the lab's relays.
 */
export function relayAddressOf(address: string, loopback = randomLoopbackSubnet()): string {
  const octets = address.split('.');
  const last = Number(octets[3]);
  const local = octets[0] === '127';
  if (octets.length !== 4 || !Number.isInteger(last) || last < 1 || (local && last > OFFSET))
    throw new Error(
      `lab: no relay address for host address ${address}: a lab with latency has hosts .1 to .100 ` +
        `(each relay listens on the host's last octet + ${OFFSET})`,
    );
  return local ? [...octets.slice(0, 3), String(last + OFFSET)].join('.') : `${loopback}.${last}`;
}

function randomLoopbackSubnet(): string {
  return `127.${10 + Math.floor(Math.random() * 240)}.${1 + Math.floor(Math.random() * 250)}`;
}

async function relayHost(h: LabHost, latency: LatencyOptions, loopback: string): Promise<LabHost> {
  const address = relayAddressOf(h.address, loopback);
  const relay = await startRelay({
    ...latency,
    // One PRNG per relay, seeded by the host's number: hosts started in any order (addHost at
    // once) keep their own reproducible draws.
    seed: (latency.seed ?? 1) + Number(h.address.split('.')[3]),
    address,
    target: h.address,
    ports: [h.sshPort],
  });
  const relayed = async <T extends { ports: readonly number[] }>(svc: Promise<T>): Promise<T> => {
    const s = await svc;
    for (const p of s.ports) await relay.addPort(p);
    return s;
  };
  return {
    ...h,
    address,
    realAddress: h.address,
    relay,
    host: { ...h.host, address },
    toHost: (patch = {}) => ({ ...h.toHost(patch), address: patch.address ?? address }),
    nginx: (o) => relayed(h.nginx(o)),
    haproxy: (o) => relayed(h.haproxy(o)),
  };
}

function knownHosts(lab: Lab, hosts: readonly LabHost[]): void {
  const lines = (f: typeof knownHostsLine): string =>
    hosts.map((h) => f(h.address, h.sshPort, h.hostKey.publicKey) + '\n').join('');
  writeFileSync(lab.knownHostsPath, lines(knownHostsLine));
  writeFileSync(lab.hashedKnownHostsPath, lines(hashedKnownHostsLine));
}

/** `lab` with a relay in front of every host (and of every host added later). */
export async function relayLab(lab: Lab, latency: LatencyOptions): Promise<Lab> {
  const hosts: LabHost[] = [];
  // Where the relays of a namespaced lab listen (its hosts' addresses are not local here).
  const loopback = randomLoopbackSubnet();
  const stopRelays = async (): Promise<void> => {
    await Promise.all(hosts.map((h) => h.relay?.stop() ?? Promise.resolve()));
  };
  try {
    for (const h of lab.hosts) hosts.push(await relayHost(h, latency, loopback));
  } catch (error) {
    await stopRelays();
    throw error;
  }
  // Only the relays' addresses: a client that reached a host directly would fail verification.
  knownHosts(lab, hosts);
  const addHost = async (opts?: AddHostOptions): Promise<LabHost> => {
    const h = await relayHost(await lab.addHost(opts), latency, loopback);
    hosts.push(h);
    // Rewritten rather than appended: the lab appended the host's real address.
    knownHosts(lab, hosts);
    return h;
  };
  return {
    ...lab,
    hosts,
    addHost,
    relayStats: () =>
      hosts.reduce<RelayCounters>(
        (sum, h) => addCounters(sum, h.relay?.stats() ?? zeroCounters()),
        zeroCounters(),
      ),
    stop: async () => {
      await stopRelays();
      await lab.stop();
    },
  };
}
