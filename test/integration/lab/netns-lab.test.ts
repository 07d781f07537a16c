import { execFileSync, spawnSync } from 'node:child_process';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverHosts } from '../../../src/discover/run.js';
import { createTransport } from '../../../src/transport/factory.js';
import { probe } from '../../../src/probe/probe.js';
import { SshTransport } from '../../../src/transport/ssh/ssh-transport.js';
import { type Binding } from '../../../src/inventory/model.js';
import {
  freePort,
  netnsLeftovers,
  nginxParams,
  running,
  startLab,
  TestPki,
  type Issued,
  type Lab,
  type LabHost,
  type LabService,
} from '../../lab/index.js';
import { IP, removeStale } from '../../lab/netns.js';

// Namespaced lab hosts: each host its own network and PID namespaces, so that what certroll runs
// on it (ss, ps) sees that host only, as on a real machine; reached from here over a bridge.
const NAME = 'netns.lab.test';
let lab: Lab;
let pki: TestPki;
let root: Issued;
let leaf: Issued;
let web: LabHost;
let lb: LabHost;
let nginx: LabService;
let haproxy: LabService;
let ports: number[];

beforeAll(async () => {
  pki = TestPki.create();
  root = pki.root();
  leaf = pki.leaf(NAME, root, { days: 60 });
  lab = await startLab({ hosts: 2, isolation: 'netns' });
  [web, lb] = [lab.hosts[0]!, lab.hosts[1]!];
  // Both hosts on the same ports: in their own namespaces they do not collide.
  ports = [await freePort(web.address), await freePort(web.address)];
  const cert = { certPath: leaf.certPath, keyPath: leaf.keyPath };
  nginx = await web.nginx({ ports, cert });
  haproxy = await lb.haproxy({ ports: [ports[0]!], cert });
}, 30_000);

afterAll(async () => {
  await lab?.stop();
  pki?.cleanup();
});

async function onHost(h: LabHost, command: string): Promise<string> {
  const ssh = new SshTransport(h.host);
  try {
    await ssh.connect();
    const r = await ssh.exec(command);
    expect(r.exitCode, r.stderr).toBe(0);
    return r.stdout;
  } finally {
    await ssh.close();
  }
}

function served(address: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: address, port, servername: NAME, rejectUnauthorized: false });
    s.setTimeout(3_000, () => s.destroy(new Error(`timeout ${address}:${port}`)));
    s.once('error', reject);
    s.once('secureConnect', () => {
      resolve(s.getPeerX509Certificate()?.fingerprint256 ?? '');
      s.destroy();
    });
  });
}

/** Local addresses of the listening sockets in `ss -ltnp` output. */
function listeners(ss: string): string[] {
  return ss
    .split('\n')
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s+/)[3] ?? '')
    .sort();
}

describe('namespaced lab hosts', () => {
  it('each host is at its own 10.250 address with sshd on 22', () => {
    expect(lab.isolation).toBe('netns');
    for (const h of [web, lb]) {
      expect(h.address).toMatch(/^10\.250\.\d+\.\d+$/);
      expect(h.sshPort).toBe(22);
    }
    expect(web.address).not.toBe(lb.address);
  });

  it("ss -ltnp over SSH lists only the host's own listeners and processes", async () => {
    const [a, b] = [web.address, lb.address];
    const webSs = await onHost(web, 'ss -ltnp');
    expect(listeners(webSs)).toEqual([`${a}:22`, `${a}:${ports[0]}`, `${a}:${ports[1]}`].sort());
    expect(webSs).toContain('"nginx"');
    expect(webSs).not.toContain('haproxy');
    const lbSs = await onHost(lb, 'ss -ltnp');
    expect(listeners(lbSs)).toEqual([`${b}:22`, `${b}:${ports[0]}`].sort());
    expect(lbSs).not.toContain('nginx');
  });

  it("ps -e shows only the host's own processes, its sshd as pid 1", async () => {
    const ps = await onHost(web, 'ps -e -o pid=,comm=');
    const procs = ps
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/));
    expect(procs.find(([pid]) => pid === '1')?.[1]).toBe('sshd');
    const names = new Set(procs.map(([, comm]) => comm));
    expect(names.has('nginx')).toBe(true);
    expect(names.has('haproxy')).toBe(false);
    expect(names.has('node')).toBe(false);
    expect(procs.length).toBeLessThan(15);
    expect(await onHost(lb, 'ps -e -o comm=')).not.toContain('nginx');
  });

  it('TLS from here reaches every port of each host, the same port on two hosts apart', async () => {
    for (const [h, p] of [
      [web, ports[0]!],
      [web, ports[1]!],
      [lb, ports[0]!],
    ] as const) {
      expect(await served(h.address, p)).toBe(leaf.x509.fingerprint256);
    }
    // The playbooks' reload commands work from inside; the lab's own reload() from here too.
    nginx.reload();
    await onHost(lb, haproxy.reloadCommand);
    expect(await served(web.address, ports[1]!)).toBe(leaf.x509.fingerprint256);
  });

  it('certroll discover finds the unlisted port of a namespaced host', async () => {
    const listed: Binding = {
      id: 'n-0',
      port: ports[0]!,
      kind: 'nginx',
      params: nginxParams(nginx),
      probe: { address: web.address, port: ports[0]!, sni: [NAME] },
      origin: {},
    };
    const { hosts } = await discoverHosts(
      [{ env: 'lab', host: web.toHost({ bindings: [listed] }) }],
      {
        trust: [root.certPem],
        probeTimeoutMs: 2000,
        transportFor: (x) => createTransport(x),
        probe,
      },
    );
    const d = hosts[0]!;
    expect(d.error).toBeUndefined();
    const at = (p: number) => d.endpoints.find((e) => e.port === p && e.sni === undefined);
    expect(at(ports[0]!)?.coverage.kind).toBe('binding');
    expect(at(ports[1]!)?.coverage.kind).toBe('uncovered');
    expect(at(ports[1]!)?.configured[0]?.certFile).toBe(nginx.certPath);
    // Only this host's ports: sshd's 22 is no TLS, lb's haproxy is not here.
    expect(d.endpoints.map((e) => e.port).sort()).toEqual([...new Set(ports)].sort());
  }, 30_000);

  it('stop() leaves no process, veth or namespace of the lab', async () => {
    const tag = lab.netnsTag!;
    const pids = [web.initPid!, lb.initPid!, nginx.pid, haproxy.pid];
    expect(netnsLeftovers(tag).length).toBe(2 * 2 + 1); // two namespaces, two veths, one bridge
    await lab.stop();
    const alive = pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
    expect(running(lab.dir)).toBe(false);
    expect(netnsLeftovers(tag)).toEqual([]);
  });
});

describe('namespaced lab hosts: fallback and leftovers', () => {
  const lab = new URL('../../lab/netns.ts', import.meta.url).pathname;
  // Lets the stripped module import its neighbours by their .js names, as tsc writes them.
  const tsResolve = new URL('../../../bench/rollout/ts-resolve.ts', import.meta.url).pathname;
  const script =
    'const { resolveIsolation } = await import(process.argv[1]);' +
    "console.log(resolveIsolation('netns'), resolveIsolation('netns'));";
  // The lab module alone, in a child with fewer rights (Node strips its types).
  it.each([
    ['not root', ['--reuid=65534', '--regid=65534', '--clear-groups'], 'not running as root'],
    [
      'root without CAP_NET_ADMIN',
      ['--bounding-set=-net_admin,-sys_admin', '--inh-caps=-net_admin,-sys_admin'],
      'ip netns / unshare failed: ',
    ],
  ])('%s: loopback hosts, said once on stderr', (_, setpriv, reason) => {
    const r = spawnSync(
      'setpriv',
      [
        ...setpriv,
        process.execPath,
        '--import',
        tsResolve,
        '--input-type=module',
        '-e',
        script,
        lab,
      ],
      {
        encoding: 'utf8',
      },
    );
    expect(r.stdout).toBe('loopback loopback\n');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`namespaced hosts unavailable (${reason}`);
    expect(lines[0]).toContain('lab hosts run on loopback addresses instead');
  });

  it("removes what a killed run left (its owner is gone), not a live lab's", () => {
    let dead = 32_000;
    while (dead > 2 && pidAlive(dead)) dead--;
    const stale = `${dead.toString(36)}zz`;
    const mine = `${process.pid.toString(36)}zz`;
    try {
      for (const tag of [stale, mine]) {
        execFileSync(IP, ['netns', 'add', `certroll-${tag}-1`]);
        execFileSync(IP, ['link', 'add', `crb${tag}`, 'type', 'bridge']);
      }
      removeStale();
      expect(netnsLeftovers(stale)).toEqual([]);
      expect(netnsLeftovers(mine).sort()).toEqual([`certroll-${mine}-1`, `crb${mine}`]);
    } finally {
      spawnSync(IP, ['netns', 'delete', `certroll-${mine}-1`]);
      spawnSync(IP, ['link', 'delete', `crb${mine}`]);
      spawnSync(IP, ['netns', 'delete', `certroll-${stale}-1`]);
      spawnSync(IP, ['link', 'delete', `crb${stale}`]);
    }
  });
});

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
