import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSuccess } from '../../../src/transport/classify.js';
import { SshTransport } from '../../../src/transport/ssh/ssh-transport.js';
import { sha256Hex, startLab, type Lab, type LabHost, P256, usePki } from '../../lab/index.js';

let lab: Lab;

const certs = usePki((pki) => {
  const root = pki.root();
  const oldCert = pki.leaf('old.lab.test', root, { key: P256 });
  const newCert = pki.leaf('new.lab.test', root, { key: P256 });
  return { root, oldCert, newCert };
});
let startMs: number;

beforeAll(async () => {
  const t0 = Date.now();
  lab = await startLab({ hosts: 3 });
  startMs = Date.now() - t0;
});
afterAll(async () => {
  await lab?.stop();
});

/** Runs each [command, what] on the host over SSH, as a playbook would; each must succeed. */
async function runOverSsh(h: LabHost, ...commands: [string, string][]): Promise<void> {
  const ssh = new SshTransport(h.host);
  await ssh.connect();
  try {
    for (const [command, what] of commands) assertSuccess(await ssh.exec(command), what);
  } finally {
    await ssh.close();
  }
}

/** SHA-256 of the leaf served at address:port. */
function served(address: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(
      { host: address, port, servername: 'new.lab.test', rejectUnauthorized: false },
      () => {
        const cert = sock.getPeerX509Certificate();
        sock.destroy();
        if (cert === undefined) reject(new Error('no certificate'));
        else resolve(sha256Hex(cert.raw));
      },
    );
    sock.setTimeout(3_000, () => sock.destroy(new Error('timeout')));
    sock.once('error', reject);
  });
}

async function eventually(address: string, port: number, want: string): Promise<string> {
  let got = '';
  for (let i = 0; i < 50; i++) {
    got = await served(address, port).catch(() => '');
    if (got === want) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return got;
}

describe('the test lab', () => {
  it('starts three hosts with their own sshd and host key on distinct loopback addresses, quickly', async () => {
    expect(startMs).toBeLessThan(3_000);
    const addresses = lab.hosts.map((h) => h.address);
    expect(new Set(addresses).size).toBe(3);
    for (const a of addresses) expect(a).toMatch(/^127\.\d+\.\d+\.[1-3]$/);
    expect(new Set(lab.hosts.map((h) => h.hostKey.fingerprint)).size).toBe(3);
    expect(readFileSync(lab.knownHostsPath, 'utf8').trim().split('\n')).toHaveLength(3);
    for (const h of lab.hosts) {
      expect(h.host).toMatchObject({
        name: h.name,
        address: h.address,
        transport: { kind: 'ssh', port: h.sshPort },
      });
      const ssh = new SshTransport(h.host);
      await ssh.connect();
      expect((await ssh.exec('echo "$PATH"')).stdout).toContain(h.binDir);
      await ssh.close();
    }
  });

  it('serves TLS from nginx on several ports and reloads it with the command a playbook runs', async () => {
    const h = lab.hosts[0]!;
    const nginx = await h.nginx({ ports: [17147, 17148], cert: certs.oldCert });
    expect(nginx.prefix.startsWith(h.dir)).toBe(true);
    expect(await served(h.address, 17147)).toBe(certs.oldCert.sha256);
    expect(await served(h.address, 17148)).toBe(certs.oldCert.sha256);
    writeFileSync(nginx.certPath, certs.newCert.certPem);
    writeFileSync(nginx.keyPath, certs.newCert.keyPem);
    await runOverSsh(h, [nginx.testCommand, 'nginx -t'], [nginx.reloadCommand, 'nginx reload']);
    expect(await eventually(h.address, 17147, certs.newCert.sha256)).toBe(certs.newCert.sha256);
    expect(await eventually(h.address, 17148, certs.newCert.sha256)).toBe(certs.newCert.sha256);
  });

  it('serves TLS from haproxy and reloads it through its master process', async () => {
    const h = lab.hosts[1]!;
    const haproxy = await h.haproxy({ ports: [18443, 18444], cert: certs.oldCert });
    expect(await served(h.address, 18443)).toBe(certs.oldCert.sha256);
    writeFileSync(haproxy.certPath, certs.newCert.certPem + certs.newCert.keyPem);
    await runOverSsh(
      h,
      [haproxy.testCommand, 'haproxy -c'],
      [haproxy.reloadCommand, 'haproxy reload'],
    );
    expect(await eventually(h.address, 18444, certs.newCert.sha256)).toBe(certs.newCert.sha256);
    expect(existsSync(haproxy.statsSocket)).toBe(true);
  });

  it('stops only its own processes and removes its folder', async () => {
    const other = await startLab({ hosts: 1 });
    const pid = Number(readFileSync(`${other.hosts[0]!.dir}/ssh/sshd.pid`, 'utf8'));
    await other.stop();
    expect(existsSync(other.dir)).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
    // The main lab still answers.
    expect(await served(lab.hosts[0]!.address, 17147)).toBe(certs.newCert.sha256);
  });
});
