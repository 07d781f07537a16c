// Test-side handles on the http.sys simulation (sim/httpsys, sim/bin/netsh.exe): a simulation
// root with host.json, certificates put in its LocalMachine store, the simulated netsh.exe run as
// a child process, and the TLS server (sim/httpsys/server.mjs) started on it. The layout is the
// shared contract in docs/testing.md's Windows section.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const SIM = join(import.meta.dirname, 'sim');
export const NETSH_EXE = join(SIM, 'bin', 'netsh.exe');
export const HTTPSYS_SERVER = join(SIM, 'httpsys', 'server.mjs');

export type WinBuild = '2012r2' | '2016' | '2019' | '2022';
export type WinLocale = 'en' | 'de' | 'fr';

export interface SimHost {
  readonly build?: WinBuild;
  readonly locale?: WinLocale;
  readonly addresses?: readonly string[];
  readonly currentAccount?: string;
  readonly adminAccounts?: readonly string[];
}

function writeJson(file: string, value: unknown): void {
  mkdirSync(join(file, '..'), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}

export class SimRoot {
  private constructor(readonly dir: string) {}

  /** A new simulation root in a temporary folder (remove it with cleanup()). */
  static create(host: SimHost = {}): SimRoot {
    const root = new SimRoot(mkdtempSync(join(tmpdir(), 'certroll-winsim-')));
    root.setHost(host);
    return root;
  }

  setHost(host: SimHost): void {
    writeJson(join(this.dir, 'host.json'), {
      computerName: 'BC01',
      build: '2022',
      locale: 'en',
      addresses: ['127.0.0.1'],
      psEdition: 'Desktop',
      psVersion: '5.1.17763.1',
      dotnet: '4.8',
      adminAccounts: [],
      currentAccount: 'BC01\\Administrator',
      ...host,
    });
  }

  /** Puts a certificate (and its key, unless keyPem is null) in LocalMachine\<store>. */
  addCert(thumbprint: string, certPem: string, keyPem: string | null, store = 'My'): void {
    const dir = join(this.dir, 'store', 'LocalMachine', store);
    mkdirSync(dir, { recursive: true });
    const thumb = thumbprint.toUpperCase();
    writeFileSync(join(dir, `${thumb}.cer`), certPem);
    if (keyPem !== null) writeFileSync(join(dir, `${thumb}.key`), keyPem, { mode: 0o600 });
  }

  setBindings(bindings: readonly Record<string, unknown>[]): void {
    writeJson(join(this.dir, 'httpsys', 'sslcert.json'), { bindings });
  }

  setListeners(listeners: readonly { owner: string; address: string; port: number }[]): void {
    writeJson(join(this.dir, 'httpsys', 'listeners.json'), { listeners });
  }

  /** Runs the simulated `netsh.exe <args>`; output with Windows' CRLF turned into LF. */
  netsh(args: readonly string[]): Promise<{ code: number; output: string }> {
    return new Promise((resolve, reject) => {
      execFile(
        NETSH_EXE,
        [...args],
        { env: { ...process.env, CERTROLL_WINSIM: this.dir }, timeout: 10_000 },
        (error, stdout, stderr) => {
          if (stderr !== '') {
            reject(new Error(`netsh.exe wrote to stderr: ${stderr}`));
            return;
          }
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
          if (code === -1) reject(error ?? new Error('netsh.exe did not exit'));
          else resolve({ code, output: stdout.replace(/\r\n/g, '\n') });
        },
      );
    });
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface RunningHttpSys {
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts sim/httpsys/server.mjs on `root`; resolves once it reports its listeners ready. */
export function startHttpSys(
  root: SimRoot,
  options: { pollMs?: number } = {},
): Promise<RunningHttpSys> {
  const child = spawn(
    process.execPath,
    [HTTPSYS_SERVER, '--root', root.dir, '--poll-ms', String(options.pollMs ?? 100)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        resolve();
        return;
      }
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`http.sys simulation did not start within 10 s: ${stderr}`));
    }, 10_000);
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line.startsWith('ready')) {
        clearTimeout(timer);
        resolve({ process: child, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`http.sys simulation exited ${code}: ${stderr}`));
    });
  });
}
