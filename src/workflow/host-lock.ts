// The lock on the host itself (invariant 5): an atomic mkdir (sh) or New-Item (PowerShell) of a
// lock folder holding the run id, so two control machines cannot work on one host at once. Taking
// it again with the same run id succeeds (a resumed run), and only the owner removes it.
import { CertrollError } from '../errors.js';
import { shQuote } from '../playbooks/quote.js';
import { type Transport } from '../transport/types.js';

export const DEFAULT_LOCK_PATH = {
  sh: '/var/tmp/certroll.lock',
  powershell: 'C:\\ProgramData\\certroll\\certroll.lock',
};

const HELD_EXIT = 3;

function shAcquire(path: string, runId: string): string {
  return [
    `d=${shQuote(path)}; id=${shQuote(runId)}`,
    `if mkdir -m 700 -- "$d" 2>/dev/null; then printf '%s\\n' "$id" > "$d/owner" && echo acquired && exit 0; exit 1; fi`,
    // mkdir failed: held if the folder exists, otherwise it could not be created at all.
    `[ -d "$d" ] || { echo "cannot create $d" >&2; exit 1; }`,
    `owner=$(cat -- "$d/owner" 2>/dev/null || true)`,
    `if [ "$owner" = "$id" ]; then echo reacquired; exit 0; fi`,
    `printf 'held by run %s\\n' "\${owner:-unknown}" >&2; exit ${HELD_EXIT}`,
  ].join('\n');
}

function shRelease(path: string, runId: string): string {
  return [
    `d=${shQuote(path)}; id=${shQuote(runId)}`,
    `[ -d "$d" ] || exit 0`,
    `if [ "$(cat -- "$d/owner" 2>/dev/null)" = "$id" ]; then rm -rf -- "$d"; fi`,
  ].join('\n');
}

// PowerShell scripts are static: the path and run id arrive as JSON on stdin.
const PS_ACQUIRE = `$ErrorActionPreference = 'Stop'
$d = [Console]::In.ReadToEnd() | ConvertFrom-Json
$owner = Join-Path $d.path 'owner'
try {
  New-Item -ItemType Directory -Path $d.path | Out-Null
  Set-Content -LiteralPath $owner -Value $d.runId -NoNewline
  'acquired'; exit 0
} catch {
  if (-not (Test-Path -LiteralPath $d.path -PathType Container)) { throw }
  $o = Get-Content -LiteralPath $owner -Raw -ErrorAction SilentlyContinue
  if ($o -eq $d.runId) { 'reacquired'; exit 0 }
  [Console]::Error.WriteLine("held by run $o"); exit ${HELD_EXIT}
}`;

const PS_RELEASE = `$ErrorActionPreference = 'Stop'
$d = [Console]::In.ReadToEnd() | ConvertFrom-Json
$owner = Join-Path $d.path 'owner'
if (-not (Test-Path -LiteralPath $d.path)) { exit 0 }
$o = Get-Content -LiteralPath $owner -Raw -ErrorAction SilentlyContinue
if ($o -eq $d.runId) { Remove-Item -LiteralPath $d.path -Recurse -Force }`;

// sh gets its values quoted into the script; PowerShell's script is static, values on stdin.
function runLockScript(
  t: Transport,
  sh: string,
  ps: string,
  path: string,
  runId: string,
  signal: AbortSignal | undefined,
) {
  const options = signal ? { signal } : {};
  return t.shell === 'sh'
    ? t.exec(sh, options)
    : t.exec(ps, { ...options, stdin: JSON.stringify({ path, runId }) });
}

export async function acquireHostLock(
  t: Transport,
  runId: string,
  path: string,
  signal?: AbortSignal,
): Promise<void> {
  const result = await runLockScript(t, shAcquire(path, runId), PS_ACQUIRE, path, runId, signal);
  if (result.exitCode === 0) return;
  if (result.exitCode === HELD_EXIT) {
    throw new CertrollError(
      'LOCK_HELD',
      `${t.target}: the host is locked (${path}), ${result.stderr.trim()}.`,
      {
        hint: `Another certroll run is working on this host. If that run is dead, remove ${path} on the host after checking its bindings.`,
      },
    );
  }
  throw new CertrollError(
    'TRANSPORT_COMMAND_FAILED',
    `${t.target}: could not create the host lock ${path} (exit ${result.exitCode}): ${result.stderr.trim()}`,
    {
      hint: 'Check that the lock folder’s parent exists and is writable by the remote user.',
    },
  );
}

export async function releaseHostLock(
  t: Transport,
  runId: string,
  path: string,
  signal?: AbortSignal,
): Promise<void> {
  const result = await runLockScript(t, shRelease(path, runId), PS_RELEASE, path, runId, signal);
  if (result.exitCode !== 0) {
    throw new CertrollError(
      'TRANSPORT_COMMAND_FAILED',
      `${t.target}: could not remove the host lock ${path}: ${result.stderr.trim()}`,
    );
  }
}
