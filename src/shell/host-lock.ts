// The scripts of the host lock (invariant 5): an atomic mkdir (sh) or New-Item (PowerShell) of a
// lock folder holding the run id. Taking it again with the same run id succeeds (a resumed run),
// and only the owner removes it. sh gets its values quoted into the script; the PowerShell
// scripts are static, the path and run id arrive as JSON input (hostLockInput), read by the
// PowerShell prelude into $certrollInput on both PowerShell transports.
import { shQuote } from './quote.js';

/** The exit status of an acquire script when another run holds the lock. */
export const LOCK_HELD_EXIT = 3;

/**
 * The owner file's first line into $owner (empty where there is none) with the `read` builtin,
 * not `$(cat ...)`: that is a subshell and a process on the host at each release. IFS= keeps
 * the line whole; read fails on a line without its newline but still sets it, hence `|| :`.
 */
const OWNER_READ = `owner=; [ ! -f "$d/owner" ] || { IFS= read -r owner < "$d/owner"; } 2>/dev/null || :`;

export function shLockAcquire(path: string, runId: string): string {
  return [
    `d=${shQuote(path)}; id=${shQuote(runId)}`,
    `if mkdir -m 700 -- "$d" 2>/dev/null; then printf '%s\\n' "$id" > "$d/owner" && echo acquired && exit 0; exit 1; fi`,
    // mkdir failed: held if the folder exists, otherwise it could not be created at all.
    `[ -d "$d" ] || { echo "cannot create $d" >&2; exit 1; }`,
    OWNER_READ,
    `if [ "$owner" = "$id" ]; then echo reacquired; exit 0; fi`,
    `printf 'held by run %s\\n' "\${owner:-unknown}" >&2; exit ${LOCK_HELD_EXIT}`,
  ].join('\n');
}

export function shLockRelease(path: string, runId: string): string {
  return [
    `d=${shQuote(path)}; id=${shQuote(runId)}`,
    `[ -d "$d" ] || exit 0`,
    OWNER_READ,
    `if [ "$owner" = "$id" ]; then rm -rf -- "$d"; fi`,
  ].join('\n');
}

/** The line a combined sh command prints once the lock is taken, before the rest runs. */
export const LOCKED_MARK = '@@certroll-locked';
/** The line a command that ends with shUnlockAfter prints once the lock is gone. */
export const UNLOCKED_MARK = '@@certroll-unlocked';

/**
 * The lock, then `rest` in the same command (one round trip fewer). Nothing of `rest` runs
 * unless the lock was taken: the acquire script's exit status ends the command as it would on
 * its own (LOCK_HELD_EXIT, 1), with its stderr; after LOCKED_MARK, the status is the rest's.
 */
export function shLockThen(path: string, runId: string, rest: string): string {
  return [
    `(\n${shLockAcquire(path, runId)}\n) >/dev/null || exit $?`,
    `printf '%s\\n' '${LOCKED_MARK}'`,
    rest,
  ].join('\n');
}

/**
 * The release, appended to a step's command: it prints UNLOCKED_MARK when the lock is gone (ours
 * removed, or none there). It never changes the command's status: when it fails, the release
 * step removes the lock as on its own, and reports why.
 */
export function shUnlockAfter(path: string, runId: string): string {
  return `if (\n${shLockRelease(path, runId)}\n) >/dev/null 2>&1; then printf '%s\\n' '${UNLOCKED_MARK}'; fi`;
}

// The holder goes to the host's error line, not [Console]::Error: a remoting session has no
// console of its own, so only PowerShell's host and streams reach the caller on both transports.
export const PS_LOCK_ACQUIRE = `$ErrorActionPreference = 'Stop'
$d = $certrollInput
$owner = Join-Path $d.path 'owner'
try {
  New-Item -ItemType Directory -Path $d.path | Out-Null
  Set-Content -LiteralPath $owner -Value $d.runId -NoNewline
  'acquired'; exit 0
} catch {
  if (-not (Test-Path -LiteralPath $d.path -PathType Container)) { throw }
  $o = Get-Content -LiteralPath $owner -Raw -ErrorAction SilentlyContinue
  if ($o -eq $d.runId) { 'reacquired'; exit 0 }
  $host.UI.WriteErrorLine("held by run $o"); exit ${LOCK_HELD_EXIT}
}`;

export const PS_LOCK_RELEASE = `$ErrorActionPreference = 'Stop'
$d = $certrollInput
$owner = Join-Path $d.path 'owner'
if (-not (Test-Path -LiteralPath $d.path)) { exit 0 }
$o = Get-Content -LiteralPath $owner -Raw -ErrorAction SilentlyContinue
if ($o -eq $d.runId) { Remove-Item -LiteralPath $d.path -Recurse -Force }`;

/** The PowerShell lock scripts' stdin. */
export function hostLockInput(path: string, runId: string): string {
  return JSON.stringify({ path, runId });
}
