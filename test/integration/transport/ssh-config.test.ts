// OpenSSH habits against real sshds: ~/.ssh/config (Host patterns, HostName, User, Port,
// IdentityFile, ProxyJump, IdentitiesOnly, UserKnownHostsFile) read through an inventory, a jump
// host in front of a host only it can reach (another network namespace's loopback), the jump
// host's own key verified (hashed known_hosts entry; a wrong key refused), ssh-agent keys, the
// default identity files, and @cert-authority lines for a host with a certificate.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventory } from '../../../src/inventory/index.js';
import { type Host } from '../../../src/inventory/model.js';
import { SshTransport } from '../../../src/transport/ssh/ssh-transport.js';
import { hashedKnownHostsLine, knownHostsLine } from '../../lab/keys.js';
import { readLog, startJumpLab, type JumpLab } from '../../lab/jump.js';

let dir: string;
let lab: JumpLab;
let agent: ChildProcess | undefined;
let agentSock: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'certroll-jump-'));
  lab = await startJumpLab(join(dir, 'lab'));
  agentSock = join(dir, 'agent.sock');
  agent = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !existsSync(agentSock); i++)
    await new Promise((r) => setTimeout(r, 20));
  execFileSync('ssh-add', ['-q', lab.clientKey.privatePath], {
    env: { ...process.env, SSH_AUTH_SOCK: agentSock },
    stdio: 'ignore',
  });
}, 30_000);

afterAll(async () => {
  agent?.kill('SIGTERM');
  await lab?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** known_hosts with the bastion's entry hashed (as ssh-keygen -H leaves it) and the target's. */
function knownHosts(name: string, bastionKey = lab.bastion.hostKey.publicKey): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    [
      hashedKnownHostsLine(lab.bastion.address, lab.bastion.port, bastionKey),
      knownHostsLine(lab.target.address, lab.target.port, lab.target.hostKey.publicKey),
      '',
    ].join('\n'),
  );
  return path;
}

function sshConfig(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, body);
  return path;
}

function hostFrom(transport: string, address = 'inner-web'): Host {
  const path = join(dir, `inv-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    path,
    [
      'version: 1',
      'environments:',
      '  - name: lab',
      '    hosts:',
      '      - name: web',
      `        address: ${address}`,
      `        transport: ${transport}`,
      '        bindings: [{ port: 443, kind: nginx, params: { certPath: /x.crt, keyPath: /x.key }, probe: { sni: none } }]',
      '',
    ].join('\n'),
  );
  return loadInventory(path).environments[0]!.hosts[0]!;
}

const forwards = (): number =>
  (readLog(lab.bastion.logPath).match(/target 127\.0\.0\.1 port 2200/g) ?? []).length;
const targetConnections = (): number =>
  (readLog(lab.target.logPath).match(/Connection from /g) ?? []).length;

async function echo(host: Host, env: Record<string, string | undefined> = {}): Promise<string> {
  const ssh = new SshTransport(host, { env });
  try {
    await ssh.connect();
    return (await ssh.exec('echo "$SSH_CONNECTION"')).stdout.trim();
  } finally {
    await ssh.close();
  }
}

describe('a host behind a jump host, from ~/.ssh/config', () => {
  it('cannot be reached from here directly (it listens in another network namespace)', async () => {
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect(lab.target.port, lab.target.address);
      s.once('connect', () => (s.destroy(), resolve(false)));
      s.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });

  it('is reached through ProxyJump: Host patterns, HostName, User, Port, IdentityFile, UserKnownHostsFile', async () => {
    const kh = knownHosts('kh-good');
    const cfg = sshConfig(
      'config-jump',
      [
        'Host bastion',
        `  HostName ${lab.bastion.address}`,
        `  Port ${lab.bastion.port}`,
        '  User root',
        `  IdentityFile ${lab.clientKey.privatePath}`,
        `  UserKnownHostsFile ${kh}`,
        'Host inner-* !inner-direct',
        `  HostName ${lab.target.address}`,
        `  Port ${lab.target.port}`,
        '  ProxyJump bastion',
        'Host *',
        '  User root',
        `  IdentityFile ${lab.clientKey.privatePath}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${kh}`,
        '',
      ].join('\n'),
    );
    const host = hostFrom(`{ sshConfig: ${cfg} }`);
    expect(host.transport).toMatchObject({
      hostName: '127.0.0.1',
      port: 2200,
      user: 'root',
      identitiesOnly: true,
      knownHosts: [kh],
      proxyJump: [{ name: 'bastion', address: lab.bastion.address, port: 2222, user: 'root' }],
    });
    const [forwardsBefore, connectionsBefore] = [forwards(), targetConnections()];
    // Inside the namespace the target sees a connection from its own loopback: the bastion's.
    expect(await echo(host)).toMatch(/^127\.0\.0\.1 \d+ 127\.0\.0\.1 2200$/);
    expect(forwards()).toBe(forwardsBefore + 1);
    expect(targetConnections()).toBe(connectionsBefore + 1);
  });

  it('a negated pattern leaves a host out: inner-direct gets no jump', () => {
    const host = hostFrom(`{ sshConfig: ${join(dir, 'config-jump')} }`, 'inner-direct');
    expect(host.transport.proxyJump).toBeUndefined();
  });

  it('refuses a jump host whose key is not the one known_hosts lists, before the target', async () => {
    const kh = knownHosts('kh-wrong-bastion', lab.target.hostKey.publicKey);
    const host = hostFrom(
      `{ user: root, identityFile: ${lab.clientKey.privatePath}, knownHosts: ${kh}, proxyJump: 'root@${lab.bastion.address}:${lab.bastion.port}', port: ${lab.target.port}, sshConfig: false }`,
      lab.target.address,
    );
    const before = targetConnections();
    await expect(echo(host)).rejects.toMatchObject({
      code: 'TRANSPORT_HOST_KEY',
      message: expect.stringMatching(/jump host for web.*does not match known_hosts/s),
    });
    expect(targetConnections()).toBe(before);
  });

  it('an inventory field wins over ssh_config: proxyJump none turns the jump off', () => {
    const host = hostFrom(
      `{ sshConfig: ${join(dir, 'config-jump')}, proxyJump: none, port: 2201 }`,
    );
    expect(host.transport.proxyJump).toBeUndefined();
    expect(host.transport.port).toBe(2201);
  });

  it('authenticates both hops with ssh-agent keys when ssh_config names no key', async () => {
    const kh = knownHosts('kh-agent');
    const cfg = sshConfig(
      'config-agent',
      [
        `Host ${lab.bastion.address}`,
        `  Port ${lab.bastion.port}`,
        '  User root',
        `  UserKnownHostsFile ${kh}`,
        'Host inner-web',
        `  HostName ${lab.target.address}`,
        `  Port ${lab.target.port}`,
        '  User root',
        `  ProxyJump ${lab.bastion.address}`,
        `  UserKnownHostsFile ${kh}`,
        '',
      ].join('\n'),
    );
    const host = hostFrom(`{ sshConfig: ${cfg} }`);
    expect(host.transport.identityFile).toBeUndefined();
    expect(await echo(host, { SSH_AUTH_SOCK: agentSock, HOME: join(dir, 'empty-home') })).toMatch(
      / 2200$/,
    );
    // Without the agent, and no key anywhere, nothing is offered: the message says what was tried.
    await expect(echo(host, { HOME: join(dir, 'empty-home') })).rejects.toMatchObject({
      code: 'TRANSPORT_AUTH',
      message: expect.stringMatching(/no SSH credentials.*id_ed25519: ENOENT/s),
    });
  });

  it("uses OpenSSH's default identity file (~/.ssh/id_ed25519) when none is given", async () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
    copyFileSync(lab.clientKey.privatePath, join(home, '.ssh', 'id_ed25519'));
    const host = hostFrom(`{ sshConfig: ${join(dir, 'config-agent')} }`);
    expect(await echo(host, { HOME: home })).toMatch(/ 2200$/);
  });
});

describe('@cert-authority', () => {
  it('a host vouched for only by a CA line behind a jump host is refused, saying its certificate cannot be fetched through it', async () => {
    const kh = join(dir, 'kh-ca');
    writeFileSync(
      kh,
      [
        hashedKnownHostsLine(lab.bastion.address, lab.bastion.port, lab.bastion.hostKey.publicKey),
        `@cert-authority [${lab.target.address}]:${lab.target.port} ${lab.hostCa.publicKey}`,
        '',
      ].join('\n'),
    );
    const host = hostFrom(
      `{ user: root, identityFile: ${lab.clientKey.privatePath}, knownHosts: ${kh}, proxyJump: 'root@${lab.bastion.address}:${lab.bastion.port}', port: ${lab.target.port}, sshConfig: false }`,
      lab.target.address,
    );
    await expect(echo(host)).rejects.toMatchObject({
      code: 'TRANSPORT_HOST_KEY',
      message: expect.stringMatching(
        /kh-ca:2\), but certroll cannot fetch a host certificate through a jump host/,
      ),
    });
  });
});
