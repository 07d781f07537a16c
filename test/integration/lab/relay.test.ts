import { createHash, randomBytes } from 'node:crypto';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { probe } from '../../../src/probe/probe.js';
import { assertSuccess } from '../../../src/transport/classify.js';
import { SshTransport } from '../../../src/transport/ssh/ssh-transport.js';
import { netnsUnavailable, startLab, TestPki } from '../../lab/index.js';
import { relayAddressOf } from '../../lab/relay-lab.js';
import { type Relay, startRelay } from '../../lab/relay.js';

// The lab's latency relay over real sockets: an echo server and a greeting server on a "host"
// address, the relay on its own address in front of them.
const subnet = `127.${10 + Math.floor(Math.random() * 240)}.${1 + Math.floor(Math.random() * 250)}`;
const target = `${subnet}.1`;
const address = `${subnet}.101`;
const servers: Server[] = [];
const accepted = new Set<Socket>();
let echoPort = 0;
let greetPort = 0;
let sendPort = 0;
const PAYLOAD = randomBytes(128 * 1024);
let relay: Relay | undefined;

async function listen(onConnection: (s: Socket) => void): Promise<number> {
  const srv = createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => undefined);
    accepted.add(s);
    s.on('close', () => accepted.delete(s));
    onConnection(s);
  });
  servers.push(srv);
  await new Promise<void>((resolve) => srv.listen(0, target, resolve));
  return (srv.address() as { port: number }).port;
}

beforeAll(async () => {
  echoPort = await listen((s) => s.pipe(s));
  // Speaks first, as sshd does, then answers each line with `ok\n`.
  greetPort = await listen((s) => {
    s.write('hello\n');
    s.on('data', () => s.write('ok\n'));
  });
  sendPort = await listen((s) => s.end(PAYLOAD));
});

afterEach(async () => {
  await relay?.stop();
  relay = undefined;
});

afterAll(async () => {
  for (const s of accepted) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: address, port }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Writes `data` and reads until `bytes` bytes came back (or the socket ended). */
function exchange(s: Socket, data: Buffer | string, bytes: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const got: Buffer[] = [];
    let n = 0;
    const done = (): void => {
      s.off('data', onData);
      s.off('close', done);
      resolve(Buffer.concat(got));
    };
    const onData = (b: Buffer): void => {
      got.push(b);
      n += b.length;
      if (n >= bytes) done();
    };
    s.on('data', onData);
    s.once('close', done);
    if (data.length > 0) s.write(data);
  });
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('the lab latency relay', () => {
  it('adds two one-way delays to each round trip, and counts bytes and turns', async () => {
    relay = await startRelay({ address, target, ports: [echoPort], oneWayMs: 40 });
    const s = await open(echoPort);
    const rtts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const back = exchange(s, 'pi', 4);
      // Two chunks before any answer: still one turn.
      await new Promise((r) => setTimeout(r, 10));
      s.write('ng');
      expect((await back).toString()).toBe('ping');
      rtts.push(performance.now() - t0);
    }
    s.destroy();
    expect(Math.min(...rtts)).toBeGreaterThanOrEqual(80);
    expect(Math.max(...rtts)).toBeLessThan(80 + 150);
    expect(relay.stats()).toMatchObject({ connections: 1, cut: 0, bytesUp: 12, bytesDown: 12 });
    expect(relay.stats().turns).toBe(3);
    expect(relay.stats().ports[echoPort]?.turns).toBe(3);
  });

  it('counts a server that speaks first once per client reply', async () => {
    relay = await startRelay({ address, target, ports: [greetPort], oneWayMs: 1 });
    const s = await open(greetPort);
    expect((await exchange(s, '', 6)).toString()).toBe('hello\n');
    for (let i = 0; i < 2; i++) expect((await exchange(s, 'req\n', 3)).toString()).toBe('ok\n');
    s.destroy();
    expect(relay.stats()).toMatchObject({ connections: 1, turns: 2, bytesUp: 8, bytesDown: 12 });
  });

  it('delivers bytes intact and in order under jitter', async () => {
    relay = await startRelay({
      address,
      target,
      ports: [echoPort],
      oneWayMs: 10,
      jitterMs: 10,
      seed: 7,
    });
    const data = randomBytes(1024 * 1024);
    const s = await open(echoPort);
    const back = exchange(s, '', data.length);
    // Many small writes: many chunks, each with its own jittered delay.
    for (let i = 0; i < data.length; i += 4096) s.write(data.subarray(i, i + 4096));
    const got = await back;
    s.destroy();
    expect(got.length).toBe(data.length);
    expect(sha(got)).toBe(sha(data));
  });

  it('slows a transfer to the bandwidth cap', async () => {
    relay = await startRelay({
      address,
      target,
      ports: [sendPort],
      oneWayMs: 1,
      bandwidth: 256 * 1024,
    });
    const t0 = performance.now();
    const s = await open(sendPort);
    const got = await exchange(s, '', PAYLOAD.length);
    const ms = performance.now() - t0;
    s.destroy();
    expect(sha(got)).toBe(sha(PAYLOAD));
    // 128 KiB at 256 KiB/s: half a second of serialisation.
    expect(ms).toBeGreaterThanOrEqual(500);
    expect(ms).toBeLessThan(2000);
  });

  it('cuts a chosen connection right after the first server chunk, and counts it', async () => {
    relay = await startRelay({
      address,
      target,
      ports: [greetPort, echoPort],
      oneWayMs: 1,
      cutConnections: [2],
    });
    const first = await open(greetPort);
    expect((await exchange(first, '', 6)).toString()).toBe('hello\n');
    const second = await open(greetPort);
    const closed = new Promise((r) => second.once('close', r));
    // The greeting arrives, then the connection ends: the client's reply never gets an answer.
    expect((await exchange(second, '', 6)).toString()).toBe('hello\n');
    await closed;
    expect((await exchange(first, 'req\n', 3)).toString()).toBe('ok\n');
    first.destroy();
    expect(relay.stats()).toMatchObject({ connections: 2, cut: 1 });
    expect(relay.stats().ports[greetPort]).toMatchObject({ connections: 2, cut: 1 });
    expect(relay.connections()).toEqual([
      { ordinal: 1, port: greetPort, cut: false },
      { ordinal: 2, port: greetPort, cut: true },
    ]);
  });

  it('cuts the same share of connections for the same seed', async () => {
    const cutsWith = async (seed: number): Promise<boolean[]> => {
      const r = await startRelay({
        address,
        target,
        ports: [greetPort],
        oneWayMs: 0,
        cut: 0.5,
        seed,
      });
      for (let i = 0; i < 8; i++) {
        const s = await open(greetPort);
        await exchange(s, '', 6);
        s.destroy();
      }
      const cuts = r.connections().map((c) => c.cut);
      await r.stop();
      return cuts;
    };
    const a = await cutsWith(3);
    expect(await cutsWith(3)).toEqual(a);
    expect(a).toContain(true);
    expect(a).toContain(false);
  });

  it('refuses a jitter larger than the delay, naming the value', async () => {
    await expect(startRelay({ address, target, oneWayMs: 5, jitterMs: 9 })).rejects.toThrow(
      'relay: jitterMs 9 is invalid',
    );
  });

  it('closes its listeners and connections on stop', async () => {
    relay = await startRelay({ address, target, ports: [echoPort], oneWayMs: 50 });
    const s = await open(echoPort);
    const closed = new Promise((r) => s.once('close', r));
    s.write('pending');
    await relay.stop();
    await closed;
    await expect(open(echoPort)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('a lab with latency', () => {
  it('puts every host behind its relay: SSH with its host key verified, and TLS ports started later', async () => {
    const pki = TestPki.create();
    const lab = await startLab({ hosts: 1, latency: { oneWayMs: 20 } });
    try {
      const h = lab.hosts[0]!;
      expect(h.address).toBe(relayAddressOf(h.realAddress));
      expect(h.host.address).toBe(h.address);
      expect(readFileSync(lab.knownHostsPath, 'utf8')).toContain(`[${h.address}]:${h.sshPort} `);
      expect(readFileSync(lab.knownHostsPath, 'utf8')).not.toContain(`[${h.realAddress}]`);
      const ssh = new SshTransport(h.host);
      const t0 = performance.now();
      await ssh.connect();
      const connectMs = performance.now() - t0;
      assertSuccess(await ssh.exec('true'), 'true');
      await ssh.close();
      // The SSH handshake and authentication take several round trips of 40 ms.
      expect(connectMs).toBeGreaterThan(3 * 40);
      const root = pki.root();
      const leaf = pki.issue({ cn: 'relay.lab.test', sans: ['relay.lab.test'], days: 30 }, root);
      await h.nginx({ ports: [8443], cert: { certPath: leaf.certPath, keyPath: leaf.keyPath } });
      const r = await probe(
        { address: h.address, port: 8443, sni: 'relay.lab.test' },
        { trust: [root.certPem] },
      );
      expect(r.ok && r.leaf.sha256).toBe(leaf.sha256);
      const stats = h.relay!.stats();
      expect(stats.ports[h.sshPort]).toMatchObject({ connections: 1, cut: 0 });
      expect(stats.ports[h.sshPort]!.turns).toBeGreaterThanOrEqual(3);
      expect(stats.ports[8443]).toMatchObject({ connections: 1, cut: 0 });
      expect(stats.ports[8443]!.turns).toBeGreaterThanOrEqual(1);
      expect(lab.relayStats()).toMatchObject({ connections: 2, bytesUp: stats.bytesUp });
      // The host key is checked against the relay's address: reaching the host itself is refused.
      await expect(
        new SshTransport({ ...h.host, address: h.realAddress }).connect(),
      ).rejects.toThrow();
    } finally {
      await lab.stop();
      pki.cleanup();
    }
  }, 20_000);

  it.skipIf(netnsUnavailable() !== null)(
    'relays namespaced hosts from loopback addresses of its own',
    async () => {
      const lab = await startLab({ hosts: 1, isolation: 'netns', latency: { oneWayMs: 5 } });
      try {
        const h = lab.hosts[0]!;
        expect(h.realAddress).toMatch(/^10\.250\./);
        expect(h.address).toMatch(/^127\./);
        const ssh = new SshTransport(h.host);
        await ssh.connect();
        assertSuccess(await ssh.exec('true'), 'true');
        await ssh.close();
        expect(h.relay!.stats()).toMatchObject({ connections: 1, cut: 0 });
      } finally {
        await lab.stop();
      }
    },
    20_000,
  );
});
