// One OpenSSH sshd per lab host, in the foreground (-D) as our child, with its own host key,
// listening only on the host's loopback address, logging every authentication request (DEBUG1).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey, type SshKey } from './keys.js';
import { startDaemon, startDaemonInside, waitForPort, type Daemon } from './procs.js';

export const SSHD = '/usr/sbin/sshd';

export interface SshdHandle {
  readonly daemon: Daemon;
  readonly hostKey: SshKey;
  readonly configPath: string;
  readonly logPath: string;
}

export async function startSshd(opts: {
  readonly dir: string;
  readonly address: string;
  readonly port: number;
  readonly authorizedKeysPath: string;
  readonly binDir: string;
  /** More sshd_config lines (e.g. a `Subsystem powershell ...`). */
  readonly extraConfig?: readonly string[];
  /** More variables for every session (SetEnv), after PATH; `path` replaces the folders after binDir. */
  readonly env?: Readonly<Record<string, string>>;
  readonly path?: readonly string[];
  /** argv run before sshd's own (it must exec sshd), e.g. to start it in its own mount namespace. */
  readonly launcher?: readonly string[];
  /** argv before the launcher's that forks it as its child in a namespaced lab host (netns.ts). */
  readonly inside?: readonly string[];
  /** Signs the new host key (e.g. signHostKey) for the address; sshd presents the certificate at the path returned. */
  readonly hostCertificate?: (hostKey: SshKey, address: string) => string;
}): Promise<SshdHandle> {
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  // sshd's privilege separation needs this directory to exist.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = generateKey(join(opts.dir, 'ssh_host_ed25519_key'));
  const configPath = join(opts.dir, 'sshd_config');
  const logPath = join(opts.dir, 'sshd.log');
  writeFileSync(
    configPath,
    [
      `ListenAddress ${opts.address}:${opts.port}`,
      `HostKey ${hostKey.privatePath}`,
      `PidFile ${join(opts.dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${opts.authorizedKeysPath}`,
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PrintMotd no',
      'LogLevel DEBUG1',
      'MaxStartups 50',
      'MaxSessions 10', // OpenSSH's default: the transport must live with it
      'Subsystem sftp internal-sftp',
      // The host's own bin folder first: tests put shims (sudo, powershell) there.
      // SHLVL=1: Debian's bash sources ~/.bashrc for ssh commands only when SHLVL is unset; the
      // machine's rc files (pyenv and the like) would cost every command a few hundred ms.
      `SetEnv PATH=${[opts.binDir, ...(opts.path ?? [])].join(':')}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin SHLVL=1${setEnv(opts.env)}`,
      ...(opts.hostCertificate !== undefined
        ? [`HostCertificate ${opts.hostCertificate(hostKey, opts.address)}`]
        : []),
      ...(opts.extraConfig ?? []),
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  // -E, not -e: with -e the session child's debug lines would land in the commands' stderr.
  const argv = [...(opts.launcher ?? []), SSHD, '-D', '-E', logPath, '-f', configPath];
  const name = `sshd ${opts.address}:${opts.port}`;
  const out = join(opts.dir, 'sshd.out');
  const daemon =
    opts.inside === undefined
      ? startDaemon(name, argv[0] ?? SSHD, argv.slice(1), out)
      : await startDaemonInside(name, [...opts.inside, ...argv], out);
  await waitForPort(daemon, opts.address, opts.port, { banner: 'SSH-2.0-' });
  return { daemon, hostKey, configPath, logPath };
}

/** ` NAME=value ...` for SetEnv; values must not need quoting (sshd splits on spaces). */
function setEnv(env: Readonly<Record<string, string>> | undefined): string {
  return Object.entries(env ?? {})
    .map(([k, v]) => {
      if (/[\s"]/.test(v)) throw new Error(`lab: SetEnv value for ${k} needs quoting: ${v}`);
      return ` ${k}=${v}`;
    })
    .join('');
}
