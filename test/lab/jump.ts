// A jump host lab: a network namespace holding a bastion sshd and a target sshd. The bastion
// listens on the namespace's end of a veth pair (reachable from the tests); the target listens
// only on the namespace's own loopback, which nothing outside the namespace can reach: a host
// only the bastion reaches. The target presents an ed25519 host key and a certificate for it
// signed by a lab CA (ssh-keygen -s), so @cert-authority can be tried too.
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey, type SshKey } from './keys.js';
import { startDaemon, waitForPort, type Daemon } from './procs.js';
import { SSHD } from './sshd.js';

export interface JumpLab {
  readonly bastion: {
    readonly address: string;
    readonly port: number;
    readonly hostKey: SshKey;
    readonly logPath: string;
  };
  readonly target: {
    readonly address: string;
    readonly port: number;
    readonly hostKey: SshKey;
    readonly logPath: string;
  };
  /** The CA that signed the target's host certificate: `ssh-ed25519 AAAA...`. */
  readonly hostCa: SshKey;
  readonly clientKey: SshKey;
  stop(): Promise<void>;
}

const ip = (...args: string[]): void =>
  void execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

export async function startJumpLab(dir: string): Promise<JumpLab> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const id = randomInt(1, 250);
  const ns = `certroll-jump-${process.pid}-${id}`;
  const outer = `crj${process.pid % 10000}o${id}`;
  const inner = `crj${process.pid % 10000}i${id}`;
  const subnet = `10.254.${id}`;
  const daemons: Daemon[] = [];
  const stop = async (): Promise<void> => {
    for (const d of daemons.splice(0)) await d.stop();
    try {
      ip('netns', 'del', ns); // takes the veth pair with it
    } catch {
      // already gone
    }
  };
  try {
    ip('netns', 'add', ns);
    ip('link', 'add', outer, 'type', 'veth', 'peer', 'name', inner);
    ip('link', 'set', inner, 'netns', ns);
    ip('addr', 'add', `${subnet}.1/30`, 'dev', outer);
    ip('link', 'set', outer, 'up');
    ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${subnet}.2/30`, 'dev', inner);
    ip('netns', 'exec', ns, 'ip', 'link', 'set', inner, 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
    const clientKey = generateKey(join(dir, 'client_ed25519'));
    const authorized = join(dir, 'authorized_keys');
    writeFileSync(authorized, `${clientKey.publicKey}\n`, { mode: 0o600 });
    const hostCa = generateKey(join(dir, 'host_ca'));
    const bastion = await sshdIn(
      ns,
      join(dir, 'bastion'),
      `${subnet}.2`,
      2222,
      authorized,
      daemons,
    );
    const target = await sshdIn(
      ns,
      join(dir, 'target'),
      '127.0.0.1',
      2200,
      authorized,
      daemons,
      hostCa,
    );
    return { bastion, target, hostCa, clientKey, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function sshdIn(
  ns: string,
  dir: string,
  address: string,
  port: number,
  authorizedKeys: string,
  daemons: Daemon[],
  ca?: SshKey,
): Promise<JumpLab['bastion']> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const hostKey = generateKey(join(dir, 'ssh_host_ed25519_key'));
  const lines = [
    `ListenAddress ${address}:${port}`,
    `HostKey ${hostKey.privatePath}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${authorizedKeys}`,
    'StrictModes no',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'AllowTcpForwarding yes',
    'LogLevel DEBUG1',
    // As the lab's sshd: without SHLVL, Debian's bash reads root's rc files for every command.
    'SetEnv SHLVL=1',
  ];
  if (ca !== undefined) {
    execFileSync(
      'ssh-keygen',
      [
        '-q',
        '-s',
        ca.privatePath,
        '-I',
        'lab-target',
        '-h',
        '-n',
        `[${address}]:${port},${address}`,
        hostKey.publicPath,
      ],
      { stdio: 'ignore' },
    );
    lines.push(`HostCertificate ${hostKey.privatePath}-cert.pub`);
  }
  const configPath = join(dir, 'sshd_config');
  writeFileSync(configPath, `${lines.join('\n')}\n`, { mode: 0o600 });
  const logPath = join(dir, 'sshd.log');
  const daemon = startDaemon(
    `sshd ${address}:${port} in ${ns}`,
    'ip',
    ['netns', 'exec', ns, SSHD, '-D', '-E', logPath, '-f', configPath],
    join(dir, 'sshd.out'),
  );
  daemons.push(daemon);
  if (address !== '127.0.0.1') {
    await waitForPort(daemon, address, port, { banner: 'SSH-2.0-' });
  } else {
    // Not reachable from here by design: wait for sshd to say it listens.
    for (let i = 0; i < 250; i++) {
      if (readLog(logPath).includes('Server listening on')) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return { address, port, hostKey, logPath };
}

export function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
