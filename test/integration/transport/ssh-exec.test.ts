import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertrollError } from '../../../src/errors.js';
import { assertSuccess } from '../../../src/transport/classify.js';
import { SshTransport } from '../../../src/transport/ssh/ssh-transport.js';
import { knownHostsLine, startLab, type Lab } from '../../lab/index.js';
import { relayAddressOf } from '../../lab/relay-lab.js';
import { startRelay } from '../../lab/relay.js';

let lab: Lab;
let ssh: SshTransport;

beforeAll(async () => {
  lab = await startLab({ hosts: 1 });
  ssh = new SshTransport(lab.hosts[0]!.host);
  await ssh.connect();
});
afterAll(async () => {
  await ssh?.close();
  await lab?.stop();
});

function remoteProcesses(pattern: string): string {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' });
  } catch {
    return '';
  }
}

describe('ssh transport: exec', () => {
  it('returns stdout, stderr and the exit code of a command', async () => {
    const r = await ssh.exec('echo out; echo err >&2; exit 3');
    expect(r).toMatchObject({ exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('reports a command killed by a signal as 128 + the signal number, like a shell', async () => {
    const r = await ssh.exec('kill -TERM $$');
    expect(r.exitCode).toBe(143);
  });

  it('treats stderr on success as data, not failure', async () => {
    const r = await ssh.exec('echo "nginx: configuration file test is successful" >&2');
    expect(r.exitCode).toBe(0);
    expect(() => assertSuccess(r, 'nginx -t')).not.toThrow();
  });

  it('passes stdin bytes through unchanged', async () => {
    const data = Buffer.from([0, 1, 2, 255, 10, 39, 34, 36]);
    const r = await ssh.exec('od -An -tx1 | tr -d " \\n"', { stdin: data });
    expect(r.stdout).toBe(data.toString('hex'));
  });

  it('returns multi-byte UTF-8 output intact wherever the SSH packets split it', async () => {
    // 3-byte characters written in 4 KiB blocks (awk's buffer): chunks end mid-character.
    const r = await ssh.exec(`awk 'BEGIN { for (i = 0; i < 40000; i++) printf "€" }'`);
    expect(r.stdout).toBe('€'.repeat(40_000));
  });

  it('closes stdin when none is given, so a reader does not wait', async () => {
    const r = await ssh.exec('cat; echo done', { timeoutMs: 3_000 });
    expect(r.stdout).toBe('done\n');
  });

  it('runs several commands at once on one connection', async () => {
    const results = await Promise.all([1, 2, 3, 4].map((n) => ssh.exec(`echo ${n}`)));
    expect(results.map((r) => r.stdout)).toEqual(['1\n', '2\n', '3\n', '4\n']);
  });

  it('queues commands beyond what sshd allows at once (MaxSessions 10) instead of failing', async () => {
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, n) => ssh.exec(`sleep 0.05; echo ${n}`)),
    );
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 30 }, (_, n) => `${n}\n`));
  });

  it('kills a command that runs past its timeout, remote processes included', async () => {
    const marker = `sleep 31.${process.pid}`;
    const t0 = Date.now();
    const err = await ssh
      .exec(`${marker}; echo never`, { timeoutMs: 300 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CertrollError);
    expect(err).toMatchObject({ code: 'TRANSPORT_TIMEOUT' });
    expect((err as Error).message).toContain('300 ms');
    expect((err as CertrollError).hint).toContain("the inventory's transport.commandTimeout");
    expect(Date.now() - t0).toBeLessThan(2_000);
    for (let i = 0; i < 50 && remoteProcesses(marker) !== ''; i++) await sleep(50);
    expect(remoteProcesses(marker)).toBe('');
    // The connection stays usable.
    expect((await ssh.exec('echo ok')).stdout).toBe('ok\n');
  });

  it('stops a command when its AbortSignal fires', async () => {
    const marker = `sleep 32.${process.pid}`;
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 200);
    const err = await ssh.exec(marker, { signal: ctl.signal }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TRANSPORT_ABORTED' });
    for (let i = 0; i < 50 && remoteProcesses(marker) !== ''; i++) await sleep(50);
    expect(remoteProcesses(marker)).toBe('');
  });

  it('never sends the stdin of a command cancelled while its channel opens', async () => {
    const path = join(lab.hosts[0]!.dir, 'cancelled-early');
    const ctl = new AbortController();
    // The raw session: no pid announcement, so nothing kills `cat` before it could read.
    const pending = ssh.session.run(`cat > ${path}`, { stdin: 'secret', signal: ctl.signal });
    // The channel open request left in this tick; sshd's answer comes in a later one.
    setImmediate(() => ctl.abort());
    await expect(pending).rejects.toMatchObject({ code: 'TRANSPORT_ABORTED' });
    // The command ran, and got end-of-file when the stopped channel was closed, but no data.
    for (let i = 0; i < 50 && !existsSync(path); i++) await sleep(50);
    await sleep(500);
    expect(readFileSync(path, 'utf8')).toBe('');
    // The connection stays usable.
    expect((await ssh.exec('echo ok')).stdout).toBe('ok\n');
  });

  it('refuses to start a command with an already aborted signal', async () => {
    const err = await ssh.exec('echo x', { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TRANSPORT_ABORTED' });
  });

  it('assertSuccess names the command, the exit code and the tail of stderr', async () => {
    const r = await ssh.exec('echo "permission denied" >&2; exit 4');
    expect(() => assertSuccess(r, 'reload nginx', ssh.target)).toThrow(
      /reload nginx failed with exit code 4: permission denied/,
    );
  });

  it('notices a connection that dies after the handshake (keepalive), without crashing', async () => {
    const other = new SshTransport(lab.hosts[0]!.host, {
      keepaliveIntervalMs: 100,
      keepaliveCountMax: 2,
    });
    await other.connect();
    // The login shell's parent is the sshd process serving this one connection.
    const sshd = Number((await other.exec('echo $PPID')).stdout);
    expect(sshd).toBeGreaterThan(1);
    process.kill(sshd, 'SIGSTOP');
    try {
      // ssh2 emits 'error' (Keepalive timeout) long after the handshake: unheard, it would throw.
      for (let i = 0; i < 50 && other.isOpen; i++) await sleep(100);
      expect(other.isOpen).toBe(false);
      await expect(other.exec('true')).rejects.toMatchObject({ code: 'TRANSPORT_UNREACHABLE' });
    } finally {
      process.kill(sshd, 'SIGCONT');
      await other.close();
    }
  });

  it('fails with TRANSPORT_UNREACHABLE after the connection was closed', async () => {
    const other = new SshTransport(lab.hosts[0]!.host);
    await other.connect();
    await other.close();
    await expect(other.exec('true')).rejects.toMatchObject({ code: 'TRANSPORT_UNREACHABLE' });
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

describe('ssh transport: a network that cuts connections during the handshake', () => {
  /** Connects through a relay cutting `cuts` (ordinals); returns the relay's connections. */
  async function connectThrough(cuts: number[]): Promise<{ error?: unknown; cut: boolean[] }> {
    const h = lab.hosts[0]!;
    const address = relayAddressOf(h.address);
    const relay = await startRelay({
      address,
      target: h.address,
      ports: [h.sshPort],
      oneWayMs: 1,
      cutConnections: cuts,
    });
    const knownHosts = join(lab.dir, 'known_hosts.relay');
    writeFileSync(knownHosts, knownHostsLine(address, h.sshPort, h.hostKey.publicKey) + '\n');
    const t = new SshTransport(h.toHost({ address, transport: { knownHosts: [knownHosts] } }));
    try {
      await t.connect();
      assertSuccess(await t.exec('true'), 'true');
      return { cut: relay.connections().map((c) => c.cut) };
    } catch (error) {
      return { error, cut: relay.connections().map((c) => c.cut) };
    } finally {
      await t.close();
      await relay.stop();
    }
  }

  it('connects again (before authenticating) and succeeds when the first attempts are cut', async () => {
    const attempts = async (cuts: number[]): Promise<number> => {
      const before = lab.hosts[0]!.authAttempts();
      const r = await connectThrough(cuts);
      expect(r.error).toBeUndefined();
      expect(r.cut).toEqual([...cuts.map(() => true), false]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      return lab.hosts[0]!.authAttempts() - before;
    };
    // Cut before authentication: sshd saw the authentication requests of one connection.
    expect(await attempts([1, 2])).toBe(await attempts([]));
  });

  it('gives up after three attempts, as unreachable', async () => {
    const r = await connectThrough([1, 2, 3, 4]);
    expect(r.error).toBeInstanceOf(CertrollError);
    expect(r.error).toMatchObject({ code: 'TRANSPORT_UNREACHABLE' });
    expect(r.cut).toEqual([true, true, true]);
  });
});
