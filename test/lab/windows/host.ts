// The simulated Windows host: a lab host (its own sshd and host key) whose `powershell` and
// `pwsh` are real PowerShell 7.6 with the Windows simulation (sim/bin's netsh.exe and friends
// first on PATH, sim/modules on PSModulePath, CertrollWinSim imported before any script), a
// `powershell` sshd subsystem for PowerShell remoting over SSH, the http.sys simulation's TLS
// listeners, and PowerShell's script block and module logging captured into <simroot>/log/.
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { type Socket, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Host } from '../../../src/inventory/model.js';
import { PWSH_QUIET } from '../../../src/demo/windows-host.js';
import { startLab, type Lab, type LabHost } from '../index.js';
import { startDaemon, type Daemon } from '../procs.js';
import { pwshPath } from '../pwsh.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const SIM_DIR = join(HERE, 'sim');
export const SIM_BIN = join(SIM_DIR, 'bin');
export const SIM_MODULES = join(SIM_DIR, 'modules');
const HTTPSYS_SERVER = join(SIM_DIR, 'httpsys', 'server.mjs');
const PRELOADED_MODULE = 'CertrollWinSim';
const DEVLOG_NS = join(HERE, 'devlog-ns.sh');

export type WindowsBuild = '2012r2' | '2016' | '2019' | '2022';
export type WindowsLocale = 'en' | 'de' | 'fr';

export interface WindowsHostOptions {
  /** Add the host to this lab (its client key and known_hosts); a lab of its own otherwise. */
  readonly lab?: Lab;
  /** Lab host name (default `win-<n>`). */
  readonly name?: string;
  readonly computerName?: string;
  readonly build?: WindowsBuild;
  readonly locale?: WindowsLocale;
  /** More host.json fields (psVersion, dotnet, adminAccounts, ...), written as given. */
  readonly hostJson?: Readonly<Record<string, unknown>>;
  /** Capture PowerShell's syslog into <simroot>/log/powershell.log (default true). */
  readonly captureLog?: boolean;
}

export interface WindowsHost {
  readonly lab: Lab;
  readonly labHost: LabHost;
  readonly name: string;
  readonly address: string;
  /** `$env:CERTROLL_WINSIM`: the simulation's state (host.json, httpsys/, store/, ...). */
  readonly simRoot: string;
  /** The host over PowerShell over SSH (`powershell -EncodedCommand` through the lab's sshd). */
  readonly powershellSsh: Host;
  /** The host over PowerShell remoting over SSH (`Invoke-Command -HostName`, same sshd port). */
  readonly pwshRemoting: Host;
  /** The real pwsh (for the pwsh-remoting transport's local side). */
  readonly pwsh: string;
  /** <simroot>/log/powershell.log: script block and module logging, as syslog lines. */
  readonly logPath: string;
  log(): string;
  /** The processes the host's sshd started (sessions, pwsh, what scripts run), for leak checks. */
  processes(): { pid: number; command: string }[];
  stop(): Promise<void>;
}

/** The `transport` block of an inventory reaching `win` over PowerShell over SSH, as tests write it. */
export function powershellSshYaml(
  win: WindowsHost,
  commandTimeout = '2m',
): Record<string, unknown> {
  const t = win.powershellSsh.transport;
  return {
    kind: 'powershell-ssh',
    port: t.port,
    user: 'root',
    identityFile: t.identityFile,
    knownHosts: t.knownHosts[0],
    commandTimeout,
  };
}

/** Writes JSON atomically (temp file, rename), as every reader of the simulation root expects. */
export function writeJsonAtomic(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, path);
}

const BUILD_VERSIONS: Record<WindowsBuild, string> = {
  '2012r2': '5.1.14409.1018',
  '2016': '5.1.14393.693',
  '2019': '5.1.17763.1',
  '2022': '5.1.20348.1',
};

let nextWindowsHost = 1;

/**
 * The simulated host's `netsh http ...`, run here the way a test arranges or reads the host's
 * http.sys table (the simulation's own netsh.exe on its state folder); its output.
 */
export function hostNetsh(win: Pick<WindowsHost, 'simRoot'>, ...args: string[]): string {
  return execFileSync(join(SIM_BIN, 'netsh.exe'), ['http', ...args], {
    env: { ...process.env, CERTROLL_WINSIM: win.simRoot },
    encoding: 'utf8',
  });
}

export async function startWindowsHost(options: WindowsHostOptions = {}): Promise<WindowsHost> {
  const ownLab = options.lab === undefined;
  const lab = options.lab ?? (await startLab({ hosts: 0, namePrefix: 'win' }));
  const stoppers: (() => Promise<void>)[] = [];
  try {
    const name = options.name ?? `win-${nextWindowsHost++}`;
    const simRoot = join(lab.dir, 'hosts', name, 'winsim');
    const pwsh = pwshPath();
    const computerName = options.computerName ?? name.toUpperCase().replace(/[^A-Z0-9-]/g, '');
    writeSimRoot(simRoot, { ...options, computerName });
    const logPath = join(simRoot, 'log', 'powershell.log');
    const capture = options.captureLog !== false;
    if (capture) {
      const listener = await listenSyslog(join(simRoot, 'log', 'syslog.sock'), logPath);
      stoppers.push(() => listener.close());
    }
    const binDir = join(lab.dir, 'hosts', name, 'bin');
    const wrapper = join(binDir, 'pwsh');
    // Its own temp folder, as a Windows host has its own %TEMP% ([IO.Path]::GetTempPath() reads
    // TMPDIR here): what one host stages is never mistaken for another's.
    const env = {
      CERTROLL_WINSIM: simRoot,
      PSModulePath: SIM_MODULES,
      TMPDIR: join(simRoot, 'temp'),
      ...PWSH_QUIET,
    };
    const labHost = await lab.addHost({
      name,
      sshd: {
        path: [SIM_BIN],
        env,
        // PowerShell remoting over SSH: the same wrapper, so the same simulation and logging.
        extraConfig: [`Subsystem powershell ${wrapper} -sshs -NoLogo`],
        ...(capture
          ? {
              launcher: [
                'unshare',
                '-m',
                '--propagation',
                'private',
                'sh',
                DEVLOG_NS,
                join(simRoot, 'log', 'syslog.sock'),
                join(simRoot, '.dev'),
              ],
            }
          : {}),
      },
    });
    writeWrappers(labHost, pwsh, simRoot, env);
    if (existsSync(HTTPSYS_SERVER)) {
      const d: Daemon = startDaemon(
        `http.sys simulation of ${name}`,
        process.execPath,
        [HTTPSYS_SERVER, '--root', simRoot],
        join(simRoot, 'log', 'httpsys.out'),
      );
      stoppers.push(() => d.stop());
    }
    const sshdPid = sshdPidOf(labHost);
    return {
      lab,
      labHost,
      name,
      address: labHost.address,
      simRoot,
      pwsh,
      // Every script is a fresh pwsh (two over remoting): about a second of CPU each, far more on
      // a loaded machine, so commands get a minute.
      powershellSsh: labHost.toHost({
        transport: { kind: 'powershell-ssh', commandTimeoutMs: 60_000 },
      }),
      pwshRemoting: labHost.toHost({
        transport: { kind: 'pwsh-remoting', via: 'ssh', commandTimeoutMs: 60_000 },
      }),
      logPath,
      log: () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''),
      processes: () => (sshdPid === undefined ? [] : descendants(sshdPid)),
      stop: async () => {
        for (const s of stoppers.reverse()) await s().catch(() => undefined);
        if (ownLab) await lab.stop();
      },
    };
  } catch (error) {
    for (const s of stoppers.reverse()) await s().catch(() => undefined);
    if (ownLab) await lab.stop();
    throw error;
  }
}

function writeSimRoot(simRoot: string, o: WindowsHostOptions & { computerName: string }): void {
  for (const d of ['httpsys', 'services', 'bc', 'iis', 'log', '.dev', 'temp']) {
    mkdirSync(join(simRoot, d), { recursive: true });
  }
  for (const store of ['My', 'WebHosting', 'CA', 'Root']) {
    mkdirSync(join(simRoot, 'store', 'LocalMachine', store), { recursive: true });
  }
  const build = o.build ?? '2019';
  writeJsonAtomic(join(simRoot, 'host.json'), {
    computerName: o.computerName,
    build,
    locale: o.locale ?? 'en',
    addresses: [] as string[], // filled in once the lab host has its address
    psEdition: 'Desktop',
    psVersion: BUILD_VERSIONS[build],
    dotnet: '4.8',
    adminAccounts: ['root'],
    currentAccount: `${o.computerName}\\Administrator`,
    ...o.hostJson,
  });
  // Script block logging (verbose events, as 4104 is on Windows) and module logging for every
  // module, read from -SettingsFile (pwsh's own $PSHOME is shared by every user of the install).
  writeJsonAtomic(join(simRoot, 'powershell.config.json'), {
    LogIdentity: `certroll-winsim-${o.computerName}`,
    LogLevel: 'Verbose',
    PowerShellPolicies: {
      ScriptBlockLogging: {
        EnableScriptBlockLogging: true,
        EnableScriptBlockInvocationLogging: false,
      },
      ModuleLogging: { EnableModuleLogging: true, ModuleNames: ['*'] },
    },
  });
  // A session configuration imports the simulation module before any script runs, in local
  // sessions (-EncodedCommand) and in the remoting server (-sshs) alike; a module named as on
  // Windows (PKI, WebAdministration, ...) autoloads from PSModulePath without it.
  if (existsSync(join(SIM_MODULES, PRELOADED_MODULE))) {
    writeFileSync(
      join(simRoot, 'session.pssc'),
      [
        '@{',
        "  SchemaVersion = '2.0.0.0'",
        "  SessionType = 'Default'",
        `  ModulesToImport = '${PRELOADED_MODULE}'`,
        '}',
        '',
      ].join('\n'),
    );
  }
}

function shSingle(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `powershell` and `pwsh` on the host: the real pwsh with the simulation and the logging. */
function writeWrappers(
  host: LabHost,
  pwsh: string,
  simRoot: string,
  env: Readonly<Record<string, string>>,
): void {
  const hostJsonPath = join(simRoot, 'host.json');
  const hostJson = JSON.parse(readFileSync(hostJsonPath, 'utf8')) as Record<string, unknown>;
  writeJsonAtomic(hostJsonPath, { ...hostJson, addresses: [host.address] });
  const pssc = join(simRoot, 'session.pssc');
  const script = [
    '#!/bin/sh',
    '# The simulated Windows host: real PowerShell 7.6 with the simulation (test/lab/windows).',
    `PATH=${shSingle(`${host.binDir}:${SIM_BIN}`)}:"$PATH"`,
    ...Object.entries(env).map(([k, v]) => `${k}=${shSingle(v)}`),
    `export PATH ${Object.keys(env).join(' ')}`,
    `exec ${shSingle(pwsh)} -SettingsFile ${shSingle(join(simRoot, 'powershell.config.json'))}` +
      (existsSync(pssc) ? ` -ConfigurationFile ${shSingle(pssc)}` : '') +
      ' "$@"',
    '',
  ].join('\n');
  host.addShim('pwsh', script);
  host.addShim('powershell', script);
}

/**
 * A /dev/log for one host: glibc's syslog(3) tries a datagram socket, gets EPROTOTYPE from this
 * stream socket and writes NUL-terminated messages to it instead, which go to `logPath`.
 */
function listenSyslog(socketPath: string, logPath: string): Promise<{ close(): Promise<void> }> {
  const open = new Set<Socket>();
  return new Promise((resolve, reject) => {
    const server = createServer((conn) => {
      open.add(conn);
      conn.on('close', () => open.delete(conn));
      conn.on('error', () => undefined);
      conn.on('data', (d: Buffer) => {
        writeFileSync(logPath, d.toString('utf8').replaceAll('\0', '\n'), { flag: 'a' });
      });
    });
    server.once('error', reject);
    server.listen(socketPath, () =>
      resolve({
        // A pwsh still running keeps its connection open; close() would wait for it.
        close: () =>
          new Promise<void>((r) => {
            for (const c of open) c.destroy();
            server.close(() => r());
          }),
      }),
    );
  });
}

function sshdPidOf(host: LabHost): number | undefined {
  try {
    return Number(readFileSync(join(host.dir, 'ssh', 'sshd.pid'), 'utf8').trim());
  } catch {
    return undefined;
  }
}

/** Every live process below `root` (not root itself), from /proc. */
export function descendants(root: number): { pid: number; command: string }[] {
  const children = new Map<number, number[]>();
  const commands = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name is in parentheses and may hold spaces: the ppid follows the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const pid = Number(entry);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
      commands.set(
        pid,
        readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim(),
      );
    } catch {
      // Gone meanwhile.
    }
  }
  const out: { pid: number; command: string }[] = [];
  const queue = [...(children.get(root) ?? [])];
  for (let i = 0; i < queue.length && i < 10_000; i++) {
    const pid = queue[i] as number;
    out.push({ pid, command: commands.get(pid) ?? '' });
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}
