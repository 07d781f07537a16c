// What a Windows host runs certroll's scripts with, and the oldest of each certroll supports.
// The preflight reads the facts on the host (WINDOWS_FACTS_SCRIPT, run before the first
// playbook preflight of the host); the floor is judged here, in one place, so the message names
// what was found and what is needed. Why each floor: docs/transports.md#version-floors. Pure.
import { type WindowsHostFacts } from '../cert/pfx-encryption.js';

/** The oldest versions certroll's Windows scripts are written and checked for. */
export const WINDOWS_FLOOR = {
  /** Windows PowerShell 5.1 (WMF 5.1): the dialect every rendered script is checked against. */
  psVersion: '5.1',
  /**
   * .NET Framework 4.6.2, what Server 2016 ships: the API surface the scripts are checked against
   * (ps51-check refuses 4.7.2-only members); 394802 is 4.6.2's lowest Release value.
   */
  netRelease: 394802,
  netName: '4.6.2',
  /** Windows Server 2012 R2 / Windows 8.1: the oldest netsh `show sslcert` layout certroll reads. */
  build: 9600,
  buildName: 'Windows Server 2012 R2',
} as const;

/** The line the facts script prints, read back by parseWindowsFacts. */
const FACTS_TAG = 'certroll-facts';

/**
 * Reads the PowerShell version, the .NET Framework 4.x Release (the registry value Microsoft
 * documents for detecting 4.5 and later) and the OS build, each on its own so one that cannot be
 * read leaves the others. Written for Windows PowerShell 3.0 and later (no 5.x syntax), so an old
 * host gets the floor's message rather than a parse error. Read-only; prints one line.
 */
export const WINDOWS_FACTS_SCRIPT = [
  '$certrollNet = ""; $certrollBuild = ""',
  "try { $certrollNet = [string](Get-ItemProperty -LiteralPath 'HKLM:\\SOFTWARE\\Microsoft\\NET Framework Setup\\NDP\\v4\\Full' -Name Release -ErrorAction Stop).Release } catch { }",
  'try { $certrollBuild = [string](Get-CimInstance -ClassName Win32_OperatingSystem -ErrorAction Stop).BuildNumber } catch { }',
  `Write-Output ('${FACTS_TAG} ps=' + [string]$PSVersionTable.PSVersion + ' net=' + $certrollNet + ' build=' + $certrollBuild)`,
].join('\n');

/** The facts in a script's output; undefined when the line is not there. */
export function parseWindowsFacts(stdout: string): WindowsHostFacts | undefined {
  const m = new RegExp(`^${FACTS_TAG} ps=(\\S*) net=(\\S*) build=(\\S*)\\s*$`, 'm').exec(stdout);
  if (m === null) return undefined;
  const int = (s: string | undefined) =>
    s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined;
  const net = int(m[2]);
  const build = int(m[3]);
  return {
    ...(m[1] !== undefined && m[1] !== '' ? { psVersion: m[1] } : {}),
    ...(net !== undefined ? { netRelease: net } : {}),
    ...(build !== undefined ? { build } : {}),
  };
}

/** Each way the host falls short of the floor, as a sentence (empty when it meets it). */
export function belowWindowsFloor(facts: WindowsHostFacts): string[] {
  const f = WINDOWS_FLOOR;
  const problems: string[] = [];
  if (facts.psVersion === undefined || versionLess(facts.psVersion, f.psVersion))
    problems.push(
      `PowerShell ${facts.psVersion ?? '(version not readable)'} found; certroll needs Windows PowerShell ${f.psVersion} or later`,
    );
  if (facts.netRelease === undefined || facts.netRelease < f.netRelease) {
    const found =
      facts.netRelease === undefined
        ? '.NET Framework 4.5 or later not found (no Release value under HKLM:\\SOFTWARE\\Microsoft\\NET Framework Setup\\NDP\\v4\\Full)'
        : `.NET Framework ${netName(facts.netRelease)} (Release ${facts.netRelease}) found`;
    problems.push(
      `${found}; certroll needs .NET Framework ${f.netName} (Release ${f.netRelease}) or later`,
    );
  }
  if (facts.build === undefined || facts.build < f.build)
    problems.push(
      `OS build ${facts.build ?? '(not readable through Win32_OperatingSystem)'} found; certroll needs ${f.buildName} (build ${f.build}) or later`,
    );
  return problems;
}

/** "5.1.17763.1" < "5.1"? Compared part by part as numbers; unreadable parts count as 0. */
function versionLess(found: string, floor: string): boolean {
  const a = found.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const b = floor.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

// Release values from Microsoft Learn, "Determine which .NET Framework versions are installed".
const NET_RELEASES: readonly [number, string][] = [
  [533320, '4.8.1'],
  [528040, '4.8'],
  [461808, '4.7.2'],
  [461308, '4.7.1'],
  [460798, '4.7'],
  [394802, '4.6.2'],
  [394254, '4.6.1'],
  [393295, '4.6'],
  [379893, '4.5.2'],
  [378675, '4.5.1'],
  [378389, '4.5'],
];

/** The .NET Framework version a Release value means (the minimum Release of each version). */
export function netName(release: number): string {
  return NET_RELEASES.find(([min]) => release >= min)?.[1] ?? 'older than 4.5';
}
