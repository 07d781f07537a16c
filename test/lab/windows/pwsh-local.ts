// Runs the real PowerShell 7 locally with the Windows simulation loaded (no sshd): the way the
// simulation's own tests exercise its modules and executables. The simulated host over SSH is
// test/lab/windows/host.ts; this is the same environment in one local process.
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pwshPath } from '../pwsh.js';

// The pwsh 7.6 the lab uses: one lookup for every Windows test (test/lab/pwsh.ts).
export { pwshPath };

export const SIM_DIR = fileURLToPath(new URL('./sim', import.meta.url));
export const SIM_MODULES = join(SIM_DIR, 'modules');
export const SIM_BIN = join(SIM_DIR, 'bin');

export interface HostJson {
  computerName: string;
  build: '2012r2' | '2016' | '2019' | '2022';
  locale: 'en' | 'de' | 'fr';
  addresses: string[];
  psEdition: string;
  psVersion: string;
  dotnet: string;
  adminAccounts: string[];
  currentAccount: string;
  /** Extra (domain) accounts that resolve on the host, e.g. CONTOSO\svc-bc. */
  accounts: string[];
}

/** One simulated host's state folder ($CERTROLL_WINSIM) with JSON helpers. */
export class SimRoot {
  constructor(readonly dir: string) {}

  static create(host: Partial<HostJson> = {}, parent = tmpdir()): SimRoot {
    const root = new SimRoot(mkdtempSync(join(parent, 'certroll-winsim-')));
    root.writeJson('host.json', {
      computerName: 'BC01',
      build: '2019',
      locale: 'en',
      addresses: ['127.0.0.1'],
      psEdition: 'Desktop',
      psVersion: '5.1.17763.1',
      dotnet: '4.8',
      adminAccounts: ['root'],
      currentAccount: 'BC01\\Administrator',
      accounts: ['CONTOSO\\svc-bc'],
      ...host,
    });
    return root;
  }

  path(rel: string): string {
    return join(this.dir, rel);
  }

  writeJson(rel: string, value: unknown): void {
    this.writeText(rel, `${JSON.stringify(value, null, 2)}\n`);
  }

  /** Written as the simulation writes: a temporary file renamed over the old one. */
  writeText(rel: string, text: string, mode = 0o644): void {
    const path = this.path(rel);
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, text, { mode });
    renameSync(tmp, path);
  }

  readJson<T = unknown>(rel: string): T {
    return JSON.parse(readFileSync(this.path(rel), 'utf8')) as T;
  }

  readText(rel: string): string {
    return readFileSync(this.path(rel), 'utf8');
  }

  exists(rel: string): boolean {
    return existsSync(this.path(rel));
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The environment a process on this simulated host sees. */
  env(): Record<string, string> {
    return {
      CERTROLL_WINSIM: this.dir,
      PSModulePath: SIM_MODULES,
      PATH: `${SIM_BIN}:${process.env['PATH'] ?? ''}`,
      ProgramData: 'C:\\ProgramData',
      NO_COLOR: '1',
    };
  }
}

/**
 * How long one test pwsh process may take: a few seconds on an idle machine, but a pwsh start
 * and each Node stand-in it runs take several times that on a loaded two-core one.
 */
export const PWSH_BUDGET_MS = 90_000;

export interface PwshResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `script` in pwsh -NoProfile -NonInteractive with CertrollWinSim imported first (as the
 * simulated host's wrapper does), `input` on stdin; bounded by `timeoutMs` (then killed).
 */
export function runPwsh(
  root: SimRoot,
  script: string,
  options: { input?: string; timeoutMs?: number; cwd?: string } = {},
): Promise<PwshResult> {
  const full = `$ProgressPreference = 'SilentlyContinue'\nImport-Module CertrollWinSim\n${script}`;
  const encoded = Buffer.from(full, 'utf16le').toString('base64');
  return new Promise((resolve, reject) => {
    const child = spawn(
      pwshPath(),
      ['-NoProfile', '-NonInteractive', '-OutputFormat', 'Text', '-EncodedCommand', encoded],
      {
        env: { ...process.env, ...root.env() },
        cwd: options.cwd ?? root.dir,
        stdio: ['pipe', 'pipe', 'pipe'],
        timeout: options.timeoutMs ?? 20_000,
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr }),
    );
    child.stdin.end(options.input ?? '');
  });
}

/** A private temporary folder (removed by the caller's afterAll via the returned function). */
export function scratchDir(prefix = 'certroll-winsim-t-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
