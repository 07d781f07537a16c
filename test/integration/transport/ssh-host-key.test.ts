import { execFileSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TransportConfig } from '../../../src/inventory/model.js';
import { lookupName } from '../../../src/transport/known-hosts.js';
import { SshTransport } from '../../../src/transport/ssh/ssh-transport.js';
import {
  startLab,
  type Lab,
  type LabHost,
  generateKey,
  signHostKey,
  type SshKey,
  hashedKnownHostsLine,
  knownHostsLine,
  freePort,
} from '../../lab/index.js';

let lab: Lab;
let h: LabHost;
let n = 0;

beforeAll(async () => {
  lab = await startLab({ hosts: 1 });
  h = lab.hosts[0]!;
});
afterAll(() => lab?.stop());

function knownHosts(...lines: string[]): string {
  const path = join(lab.dir, `kh-${++n}`);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

function otherKey(type: 'ed25519' | 'ecdsa' | 'rsa' = 'ed25519'): string {
  return generateKey(join(lab.dir, `other-${++n}`), type).publicKey;
}

/** Connects with a transport config patch; returns the error (or undefined) and the trace. */
async function attempt(patch: Partial<TransportConfig>, env: Record<string, string> = {}) {
  const before = h.authAttempts();
  const ssh = new SshTransport(h.toHost({ transport: patch }), { env });
  const error = await ssh.connect().then(
    () => undefined,
    (e: unknown) => e as Error & { code: string; hint?: string },
  );
  await ssh.close();
  // sshd logs each request as it handles it; give it a moment to write.
  await new Promise((r) => setTimeout(r, 100));
  return { error, trace: ssh.session.trace, authRequests: h.authAttempts() - before };
}

describe('ssh host key policy', () => {
  it('accepts the key listed in a plain known_hosts entry ([host]:port form)', async () => {
    const r = await attempt({ knownHosts: [lab.knownHostsPath] });
    expect(r.error).toBeUndefined();
    expect(r.trace).toMatchObject({ verifierRan: true, hostKeyRefused: false, authStarted: true });
    // The log-based counter sees authentication when it happens (the refusals below rely on it).
    expect(r.authRequests).toBeGreaterThan(0);
  });

  it('accepts the key listed in a hashed known_hosts entry', async () => {
    const r = await attempt({ knownHosts: [lab.hashedKnownHostsPath] });
    expect(r.error).toBeUndefined();
  });

  it('finds the host among entries of several hosts and key types, across several files', async () => {
    const noise = knownHosts(
      `# comment`,
      knownHostsLine('127.9.9.9', 22, otherKey('ecdsa')),
      `${h.address} ${otherKey('rsa')}`,
    );
    const mine = knownHosts(
      knownHostsLine('127.9.9.8', h.sshPort, otherKey()),
      hashedKnownHostsLine(h.address, h.sshPort, h.hostKey.publicKey),
    );
    const r = await attempt({ knownHosts: [noise, mine] });
    expect(r.error).toBeUndefined();
  });

  it('accepts a pinned SHA256 fingerprint without any known_hosts entry', async () => {
    const r = await attempt({ knownHosts: [], hostKeyFingerprint: h.hostKey.fingerprint });
    expect(r.error).toBeUndefined();
  });

  it('refuses a changed key before authentication, naming the key and what to do', async () => {
    const path = knownHosts(knownHostsLine(h.address, h.sshPort, otherKey()));
    const r = await attempt({ knownHosts: [path] });
    expect(r.error).toMatchObject({ code: 'TRANSPORT_HOST_KEY' });
    expect(r.error!.message).toContain(
      `Host lab-1 (${h.address}:${h.sshPort}): SSH host key does not match known_hosts (${h.hostKey.fingerprint}`,
    );
    expect(r.error!.hint).toContain('certroll never accepts a changed key');
    expect(r.trace).toMatchObject({ verifierRan: true, hostKeyRefused: true, authStarted: false });
    expect(r.authRequests).toBe(0);
  });

  it('refuses an unknown key before authentication', async () => {
    const r = await attempt({ knownHosts: [knownHosts('# empty')] });
    expect(r.error).toMatchObject({ code: 'TRANSPORT_HOST_KEY' });
    expect(r.error!.message).toContain(`${h.hostKey.fingerprint} is not in known_hosts`);
    expect(r.trace).toMatchObject({ verifierRan: true, authStarted: false });
    expect(r.authRequests).toBe(0);
  });

  it('treats a missing known_hosts file as empty and refuses the key', async () => {
    const r = await attempt({ knownHosts: [join(lab.dir, 'does-not-exist')] });
    expect(r.error).toMatchObject({ code: 'TRANSPORT_HOST_KEY' });
    expect(r.authRequests).toBe(0);
  });

  it('does not apply a port-22 entry to the same address on another port', async () => {
    const r = await attempt({ knownHosts: [knownHosts(`${h.address} ${h.hostKey.publicKey}`)] });
    expect(r.error).toMatchObject({ code: 'TRANSPORT_HOST_KEY' });
  });

  it('refuses a key marked @revoked even when it is also listed', async () => {
    const path = knownHosts(
      `@revoked * ${h.hostKey.publicKey}`,
      knownHostsLine(h.address, h.sshPort, h.hostKey.publicKey),
    );
    const r = await attempt({ knownHosts: [path] });
    expect(r.error).toMatchObject({ code: 'TRANSPORT_HOST_KEY' });
    expect(r.error!.message).toContain('@revoked');
    expect(r.authRequests).toBe(0);
  });

  const WRONG_PIN = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

  it('refuses a wrong pinned fingerprint even when known_hosts has the key, blaming the pin', async () => {
    const r = await attempt({ knownHosts: [lab.knownHostsPath], hostKeyFingerprint: WRONG_PIN });
    expect(r.error).toMatchObject({ code: 'TRANSPORT_HOST_KEY' });
    expect(r.error!.message).toContain(
      `SSH host key ${h.hostKey.fingerprint} does not match the pinned hostKeyFingerprint ${WRONG_PIN} (known_hosts lists it).`,
    );
    expect(r.error!.hint).toContain('update hostKeyFingerprint');
    expect(r.trace.authStarted).toBe(false);
    expect(r.authRequests).toBe(0);
  });

  it('blames known_hosts alone when the pin matches but known_hosts lists another key', async () => {
    const path = knownHosts(knownHostsLine(h.address, h.sshPort, otherKey()));
    const r = await attempt({ knownHosts: [path], hostKeyFingerprint: h.hostKey.fingerprint });
    expect(r.error).toMatchObject({ code: 'TRANSPORT_HOST_KEY' });
    expect(r.error!.message).toContain(
      `SSH host key does not match known_hosts (${h.hostKey.fingerprint}; expected the key at ${path}:1; it does match the pinned hostKeyFingerprint`,
    );
    expect(r.authRequests).toBe(0);
  });

  it('names both checks when known_hosts and the pin both disagree', async () => {
    const path = knownHosts(knownHostsLine(h.address, h.sshPort, otherKey()));
    const r = await attempt({ knownHosts: [path], hostKeyFingerprint: WRONG_PIN });
    expect(r.error).toMatchObject({ code: 'TRANSPORT_HOST_KEY' });
    expect(r.error!.message).toContain(
      `SSH host key ${h.hostKey.fingerprint} matches neither known_hosts (expected the key at ${path}:1) nor the pinned hostKeyFingerprint ${WRONG_PIN}.`,
    );
    expect(r.authRequests).toBe(0);
  });

  it('names every known_hosts file it consulted for an unknown key, missing ones too', async () => {
    const empty = knownHosts('# empty');
    const gone = join(lab.dir, 'gone');
    const r = await attempt({ knownHosts: [empty, gone] });
    expect(r.error!.message).toContain(
      `SSH host key ${h.hostKey.fingerprint} is not in known_hosts (consulted ${empty}, ${gone} (missing)).`,
    );
  });

  it('refuses a host that offers none of the key types known_hosts has for it', async () => {
    const r = await attempt({
      knownHosts: [knownHosts(knownHostsLine(h.address, h.sshPort, otherKey('ecdsa')))],
    });
    expect(r.error).toMatchObject({ code: 'TRANSPORT_HOST_KEY' });
    expect(r.authRequests).toBe(0);
  });
});

describe('@cert-authority host certificates', () => {
  // One sshd per certificate (a host's certificate is read when sshd starts), all at once.
  const ca = () => generateKey(join(lab.dir, `ca-${++n}`));
  let trusted: SshKey;
  let hosts: Record<'good' | 'otherCa' | 'expired' | 'otherName', LabHost>;

  beforeAll(async () => {
    trusted = ca();
    const other = ca();
    // Each certificate names the host by the name certroll connects to (the inventory's
    // address), except the one for another host.
    const signed = (by: SshKey, o: { names?: string; validity?: string } = {}) => ({
      sshd: {
        hostCertificate: (k: SshKey, address: string) =>
          signHostKey(by, k, { names: address, ...o }),
      },
    });
    const [good, otherCa, expired, otherName] = await Promise.all([
      lab.addHost(signed(trusted)),
      lab.addHost(signed(other)),
      lab.addHost(signed(trusted, { validity: '20200101:20200102' })),
      lab.addHost(signed(trusted, { names: 'web-99.example.com' })),
    ]);
    hosts = { good: good, otherCa: otherCa, expired: expired, otherName: otherName };
  });

  /** Connects to `host` with known_hosts holding only `@cert-authority` for the trusted CA. */
  async function viaCa(host: LabHost, extra: string[] = []) {
    const path = knownHosts(
      `@cert-authority ${lookupName(host.address, host.sshPort)} ${trusted.publicKey}`,
      ...extra,
    );
    const ssh = new SshTransport(host.toHost({ transport: { knownHosts: [path] } }), { env: {} });
    const error = await ssh.connect().then(
      () => undefined,
      (e: unknown) => e as Error & { code: string; hint?: string },
    );
    const trace = ssh.session.trace;
    await ssh.close();
    return { error, trace, path };
  }

  it('connects to a host whose certificate the trusted CA signed for its name, and pins the certified key', async () => {
    const r = await viaCa(hosts.good);
    expect(r.error, r.error?.message).toBeUndefined();
    expect(r.trace).toMatchObject({ verifierRan: true, hostKeyRefused: false, authStarted: true });
  });

  it('refuses a certificate signed by another CA, an expired one, and one for another host, before authentication', async () => {
    const other = await viaCa(hosts.otherCa);
    expect(other.error).toMatchObject({ code: 'TRANSPORT_HOST_KEY' });
    expect(other.error!.message).toContain(
      'signed by a CA that no @cert-authority line for this host trusts',
    );
    const expired = await viaCa(hosts.expired);
    expect(expired.error!.message).toMatch(/is not valid now \(valid from 2020-01-01/);
    const name = await viaCa(hosts.otherName);
    expect(name.error!.message).toContain(
      `is for web-99.example.com, not ${hosts.otherName.address}`,
    );
    for (const r of [other, expired, name]) {
      expect(r.error!.hint).toContain('certroll never accepts an unchecked key');
      expect(r.trace.authStarted).toBe(false);
    }
  });

  it('still refuses the certified key when known_hosts marks it @revoked', async () => {
    const h2 = hosts.good;
    const r = await viaCa(h2, [`@revoked * ${h2.hostKey.publicKey}`]);
    expect(r.error).toMatchObject({ code: 'TRANSPORT_HOST_KEY' });
    expect(r.error!.message).toContain('is marked @revoked in known_hosts');
    expect(r.trace.authStarted).toBe(false);
  });
});

describe('ssh connection failures', () => {
  let silent: Server | undefined;
  afterAll(() => silent?.close());

  it('classifies a closed port as TRANSPORT_UNREACHABLE', async () => {
    const port = await freePort(h.address);
    const r = await attempt({ port });
    expect(r.error).toMatchObject({ code: 'TRANSPORT_UNREACHABLE' });
    expect(r.error!.message).toContain('ECONNREFUSED');
  });

  it('classifies a host that never answers the handshake as TRANSPORT_TIMEOUT', async () => {
    silent = createServer(() => undefined);
    await new Promise<void>((r) => silent!.listen(0, h.address, r));
    const port = (silent.address() as { port: number }).port;
    const t0 = Date.now();
    const r = await attempt({ port, connectTimeoutMs: 300 });
    expect(r.error).toMatchObject({ code: 'TRANSPORT_TIMEOUT' });
    expect(r.error!.hint).toContain("raise the inventory's transport.connectTimeout");
    expect(Date.now() - t0).toBeLessThan(3_000);
  });

  it('classifies a host that hangs up during the handshake as TRANSPORT_UNREACHABLE, not a timeout', async () => {
    // Speaks first as sshd does, then closes: the connection ends with no error from ssh2.
    const rude = createServer((socket) => socket.end('SSH-2.0-OpenSSH_9.2\r\n'));
    await new Promise<void>((r) => rude.listen(0, h.address, r));
    try {
      const port = (rude.address() as { port: number }).port;
      const r = await attempt({ port, connectTimeoutMs: 5_000 });
      expect(r.error).toMatchObject({ code: 'TRANSPORT_UNREACHABLE' });
      expect(r.error!.message).toContain('closed during the handshake');
    } finally {
      rude.close();
    }
  });

  it('classifies a client key the host does not know as TRANSPORT_AUTH', async () => {
    const stranger = generateKey(join(lab.dir, `stranger-${++n}`));
    const r = await attempt({ identityFile: stranger.privatePath });
    expect(r.error).toMatchObject({ code: 'TRANSPORT_AUTH' });
    expect(r.trace).toMatchObject({ hostKeyRefused: false, authStarted: true });
  });

  it('decrypts an identity file with a passphrase from a SecretRef', async () => {
    const copy = join(lab.dir, `enc-${++n}`);
    copyFileSync(lab.clientKey.privatePath, copy);
    execFileSync('ssh-keygen', ['-q', '-p', '-N', 'correct horse', '-P', '', '-f', copy]);
    const ok = await attempt(
      { identityFile: copy, identityPassphrase: { from: 'env', name: 'LAB_PASS' } },
      { LAB_PASS: 'correct horse' },
    );
    expect(ok.error).toBeUndefined();
    const bad = await attempt(
      { identityFile: copy, identityPassphrase: { from: 'env', name: 'LAB_PASS' } },
      { LAB_PASS: 'wrong' },
    );
    expect(bad.error).toMatchObject({ code: 'TRANSPORT_AUTH' });
    expect(bad.error!.message).not.toContain('wrong');
  });

  it('stops connecting when the AbortSignal fires', async () => {
    silent ??= createServer(() => undefined);
    if (!silent.listening) await new Promise<void>((r) => silent!.listen(0, h.address, r));
    const port = (silent.address() as { port: number }).port;
    const ssh = new SshTransport(h.toHost({ transport: { port } }));
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 100);
    await expect(ssh.connect(ctl.signal)).rejects.toMatchObject({ code: 'TRANSPORT_ABORTED' });
  });
});
