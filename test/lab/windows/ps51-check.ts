// Runs ps51-check.ps1 (the Windows PowerShell 5.1 compatibility check) over many scripts in one
// pwsh process: PowerShell's parser plus an AST walk for what 5.1 and .NET Framework 4.x lack.
import { execFile } from 'node:child_process';
import { pwshPath } from '../pwsh.js';
import { join } from 'node:path';

export interface Ps51Finding {
  readonly rule: string;
  readonly line: number;
  readonly column: number;
  readonly text: string;
  readonly message: string;
}

export interface Ps51Report {
  readonly rules: readonly { readonly id: string; readonly source: string }[];
  readonly results: readonly { readonly name: string; readonly findings: readonly Ps51Finding[] }[];
}

export const PS51_CHECK_SCRIPT = join(import.meta.dirname, 'ps51-check.ps1');

/** PowerShell 7 for the check: $CERTROLL_PWSH, else the lab's install folder. */
export const checkerPwsh = (): string => pwshPath();

/** Checks every script in one pwsh process; bounded by `timeoutMs`. */
export function checkPs51(
  scripts: readonly { readonly name: string; readonly text: string }[],
  timeoutMs = 60_000,
): Promise<Ps51Report> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      checkerPwsh(),
      ['-NoProfile', '-NonInteractive', '-File', PS51_CHECK_SCRIPT],
      { timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`ps51-check failed: ${error.message}\n${stderr.slice(0, 2000)}`));
          return;
        }
        try {
          resolve(JSON.parse(stdout) as Ps51Report);
        } catch (e) {
          reject(new Error(`ps51-check printed no JSON: ${String(e)}\n${stdout.slice(0, 500)}`));
        }
      },
    );
    child.stdin?.end(JSON.stringify({ scripts }));
  });
}
