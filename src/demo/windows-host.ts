// The Windows demo's server: one simulated Business Central host, reached by PowerShell over SSH
// (the demo's in-process SSH server running `powershell`, which is the real PowerShell 7 with
// certroll's Windows simulation loaded). The simulation (netsh, http.sys's TLS listeners, the
// certificate store, the BC service tier) is the test lab's, test/lab/windows/sim/, which only a
// git checkout has: the npm package does not ship the test lab. Its state layout is described in
// docs/windows-simulation.md; this file writes the starting state the same way test/lab does.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, openSync, closeSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CertrollError } from '../errors.js';
import { generateSshKey } from './lab.js';
import { startSshServer, type DemoSshServer } from './ssh-server.js';
import { type Issued } from './x509.js';

/** Where the simulation is in a git checkout of certroll (dist/demo/ or src/demo/ -> root). */
const CHECKOUT_SIM = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'test',
  'lab',
  'windows',
  'sim',
);

export interface WindowsTools {
  readonly pwsh: string;
  readonly sim: string;
}

/**
 * PowerShell 7 and the simulation, or a clear error for each: the demo runs real PowerShell
 * (`bash scripts/install-pwsh.sh`, or $CERTROLL_PWSH), and the simulation from a git checkout.
 */
export function windowsTools(env: Readonly<Record<string, string | undefined>>): WindowsTools {
  const sim = env['CERTROLL_WINSIM_DIR'] ?? CHECKOUT_SIM;
  if (!existsSync(join(sim, 'modules', 'CertrollWinSim')))
    throw new CertrollError(
      'USAGE',
      `certroll demo --windows needs the Windows simulation, which is not here (looked in ${sim}): it lives in certroll's test lab (test/lab/windows/sim/), which the npm package does not ship.`,
      {
        hint: "Run it from a git checkout of certroll: npm ci && bash scripts/install-pwsh.sh && npm run certroll -- demo --windows (or set CERTROLL_WINSIM_DIR to a checkout's test/lab/windows/sim).",
      },
    );
  const candidates = [
    env['CERTROLL_PWSH'],
    join(env['CERTROLL_PWSH_DIR'] ?? join(homedir(), '.cache', 'certroll', 'pwsh'), 'pwsh'),
    ...(env['PATH'] ?? '')
      .split(delimiter)
      .filter((d) => d !== '')
      .map((d) => join(d, 'pwsh')),
  ].filter((p): p is string => p !== undefined && p !== '');
  const pwsh = candidates.find((p) => existsSync(p));
  if (pwsh === undefined)
    throw new CertrollError(
      'USAGE',
      'certroll demo --windows runs real PowerShell 7, and none was found ($CERTROLL_PWSH, ~/.cache/certroll/pwsh/pwsh, or pwsh on PATH).',
      {
        hint: 'Install it with `bash scripts/install-pwsh.sh` (PowerShell 7.6 as a .NET tool; needs the .NET SDK: `dotnet --version`), or set CERTROLL_PWSH to an existing pwsh 7.',
      },
    );
  return { pwsh, sim };
}

export interface SimHost {
  readonly name: string;
  readonly address: string;
  readonly simRoot: string;
  readonly ssh: DemoSshServer;
  readonly hostPublicKey: string;
  close(): Promise<void>;
}

/**
 * pwsh's telemetry and update check would phone home on every start; the simulated hosts (the
 * demo's and the test lab's) run every script in a fresh pwsh, so the start is made cheaper too.
 */
export const PWSH_QUIET = {
  POWERSHELL_TELEMETRY_OPTOUT: '1',
  POWERSHELL_UPDATECHECK: 'Off',
  DOTNET_CLI_TELEMETRY_OPTOUT: '1',
  DOTNET_NOLOGO: '1',
  // About a tenth less CPU per start (measured).
  DOTNET_TieredPGO: '0',
} as const;

const sh1 = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;

/** Starts the simulated host: its state, `powershell` on its PATH, its SSH server and http.sys. */
export async function startSimHost(
  dir: string,
  tools: WindowsTools,
  o: { name: string; computerName: string; address: string; user: string; authorizedKey: string },
): Promise<SimHost> {
  const sandbox = join(dir, 'hosts', o.name);
  const simRoot = join(sandbox, 'winsim');
  for (const d of ['httpsys', 'services', 'bc', 'iis', 'log'])
    mkdirSync(join(simRoot, d), { recursive: true });
  for (const s of ['My', 'WebHosting', 'CA', 'Root'])
    mkdirSync(join(simRoot, 'store', 'LocalMachine', s), { recursive: true });
  writeJson(join(simRoot, 'host.json'), {
    computerName: o.computerName,
    build: '2019',
    locale: 'en',
    addresses: [o.address],
    psEdition: 'Desktop',
    psVersion: '5.1.17763.1',
    dotnet: '4.8',
    adminAccounts: [o.user],
    currentAccount: `${o.computerName}\\Administrator`,
  });
  // The simulation module is loaded before any script, as the test lab's hosts do.
  writeFileSync(
    join(simRoot, 'session.pssc'),
    "@{\n  SchemaVersion = '2.0.0.0'\n  SessionType = 'Default'\n  ModulesToImport = 'CertrollWinSim'\n}\n",
  );
  const bin = join(sandbox, 'bin');
  mkdirSync(bin, { recursive: true });
  const env = { CERTROLL_WINSIM: simRoot, PSModulePath: join(tools.sim, 'modules'), ...PWSH_QUIET };
  const wrapper = [
    '#!/bin/sh',
    '# The simulated Windows host: real PowerShell 7 with the simulation (test/lab/windows/sim).',
    `PATH=${sh1(`${bin}:${join(tools.sim, 'bin')}`)}:"$PATH"`,
    ...Object.entries(env).map(([k, v]) => `${k}=${sh1(v)}`),
    `export PATH ${Object.keys(env).join(' ')}`,
    `exec ${sh1(tools.pwsh)} -ConfigurationFile ${sh1(join(simRoot, 'session.pssc'))} "$@"`,
    '',
  ].join('\n');
  for (const exe of ['powershell', 'pwsh']) {
    writeFileSync(join(bin, exe), wrapper);
    chmodSync(join(bin, exe), 0o755);
  }
  const hostKey = generateSshKey(o.name);
  const httpsys = startHttpSys(tools, simRoot);
  let ssh: DemoSshServer;
  try {
    ssh = await startSshServer({
      hostKey: hostKey.private,
      user: o.user,
      authorizedKey: o.authorizedKey,
      sandbox,
      address: o.address,
      pathPrefix: [bin, join(tools.sim, 'bin')],
    });
  } catch (error) {
    httpsys.kill('SIGKILL');
    throw error;
  }
  return {
    name: o.name,
    address: o.address,
    simRoot,
    ssh,
    hostPublicKey: hostKey.public,
    async close() {
      await ssh.close();
      httpsys.kill('SIGTERM');
    },
  };
}

/** The http.sys simulation: TLS listeners that serve what the sslcert table binds. */
function startHttpSys(tools: WindowsTools, simRoot: string): ChildProcess {
  const out = openSync(join(simRoot, 'log', 'httpsys.out'), 'a', 0o600);
  try {
    const child = spawn(
      process.execPath,
      [join(tools.sim, 'httpsys', 'server.mjs'), '--root', simRoot],
      { stdio: ['ignore', out, out] },
    );
    child.on('error', () => undefined);
    return child;
  } finally {
    closeSync(out);
  }
}

function writeJson(path: string, value: unknown, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode });
}

/** The SHA-1 thumbprint Windows shows, upper case. */
export const thumbprintOf = (c: Issued) => c.cert.fingerprint.replace(/:/g, '').toUpperCase();

/** Puts a certificate (and its key, readable by `keyAcl`) into LocalMachine\<store>. */
export function writeStoreCert(
  simRoot: string,
  c: Issued,
  o: { store?: string; withKey?: boolean; keyAcl?: readonly string[] } = {},
): void {
  const base = join(simRoot, 'store', 'LocalMachine', o.store ?? 'My', thumbprintOf(c));
  writeFileSync(`${base}.cer`, c.certPem);
  if (o.withKey === false) return;
  writeFileSync(`${base}.key`, c.keyPem, { mode: 0o600 });
  writeJson(`${base}.json`, {
    keyAcl: ['NT AUTHORITY\\SYSTEM', 'BUILTIN\\Administrators', ...(o.keyAcl ?? [])],
    keyAlgorithm: c.key.asymmetricKeyType === 'ec' ? 'EC' : 'RSA',
    keySpec: c.key.asymmetricKeyType === 'ec' ? 'signature' : 'exchange',
    exportable: false,
    friendlyName: '',
  });
}

/**
 * A running BC service tier instance (CustomSettings.config, its service, its http.sys
 * listeners): index 0 has ports 7045-7049, index 1 7145-7149; SOAP and OData with SSL.
 */
export function writeBcInstance(
  simRoot: string,
  o: { instance: string; index: number; thumbprint: string; startName: string },
): { soap: number; odata: number } {
  const p = (n: number) => String(n + 100 * o.index);
  const settings: [string, string][] = [
    ['DatabaseServer', 'localhost'],
    ['DatabaseName', 'CRONUS'],
    ['ServerInstance', o.instance],
    ['ManagementServicesPort', p(7045)],
    ['ClientServicesPort', p(7046)],
    ['SOAPServicesPort', p(7047)],
    ['SOAPServicesEnabled', 'true'],
    ['SOAPServicesSSLEnabled', 'true'],
    ['ODataServicesPort', p(7048)],
    ['ODataServicesEnabled', 'true'],
    ['ODataServicesSSLEnabled', 'true'],
    ['DeveloperServicesPort', p(7049)],
    ['DeveloperServicesEnabled', 'false'],
    ['DeveloperServicesSSLEnabled', 'false'],
    ['ManagementApiServicesEnabled', 'false'],
    ['SnapshotDebuggerEnabled', 'false'],
    ['ServicesCertificateThumbprint', o.thumbprint],
    ['ServicesCertificateValidationEnabled', 'true'],
  ];
  const xml =
    '<?xml version="1.0" encoding="utf-8"?>\n<appSettings>\n' +
    settings.map(([k, v]) => `  <add key="${k}" value="${v}" />\n`).join('') +
    '</appSettings>\n';
  mkdirSync(join(simRoot, 'bc', o.instance), { recursive: true });
  writeFileSync(join(simRoot, 'bc', o.instance, 'CustomSettings.config'), xml);
  writeJson(join(simRoot, 'services', `MicrosoftDynamicsNavServer$${o.instance}.json`), {
    name: `MicrosoftDynamicsNavServer$${o.instance}`,
    displayName: `Microsoft Dynamics 365 Business Central Server [${o.instance}]`,
    status: 'Running',
    startName: o.startName,
    startDelayMs: 300,
    kind: 'bc',
    instance: o.instance,
  });
  return { soap: 7047 + 100 * o.index, odata: 7048 + 100 * o.index };
}

/** What the running instances registered with http.sys (as a real start does). */
export function writeListeners(simRoot: string, byOwner: Readonly<Record<string, number[]>>): void {
  writeJson(join(simRoot, 'httpsys', 'listeners.json'), {
    listeners: Object.entries(byOwner).flatMap(([owner, ports]) =>
      ports.map((port) => ({ owner, address: '0.0.0.0', port })),
    ),
  });
}

/** `netsh http <args>` on the simulated host (the simulation's netsh). */
export function netsh(tools: WindowsTools, simRoot: string, args: readonly string[]): void {
  execFileSync(process.execPath, [join(tools.sim, 'bin', 'netsh.exe'), 'http', ...args], {
    env: { ...process.env, CERTROLL_WINSIM: simRoot },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  });
}
