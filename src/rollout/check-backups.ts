// `certroll backups --check`: what is really in each backup folder the run folders name, asked of
// every sh host once (one read-only command listing the folders; nothing is changed). Windows
// kinds keep their previous certificate in the store, which this does not look into.
import { type Inventory } from '../inventory/model.js';
import { shQuote } from '../shell/index.js';
import { type BackupsListing } from './run-backups.js';
import { type RolloutAdapters } from './ports.js';

/** One folder as found on its host: its files, `missing`, or why it could not be looked at. */
export type FoundDir =
  | { readonly exists: true; readonly files: readonly string[] }
  | { readonly exists: false }
  | { readonly error: string };

/** Keyed `host dir` (dirFound). */
export type FoundDirs = ReadonlyMap<string, FoundDir>;

export const dirFound = (found: FoundDirs, host: string, dir: string): FoundDir | undefined =>
  found.get(`${host} ${dir}`);

const CHECK_TIMEOUT_MS = 30_000;

/** Lists each folder: `D<tab>dir` when it exists, then `F<tab>dir<tab>name` per file in it. */
export function listDirsScript(dirs: readonly string[]): string {
  return [
    `for d in ${dirs.map(shQuote).join(' ')}; do`,
    '  [ -d "$d" ] || continue',
    `  printf 'D\\t%s\\n' "$d"`,
    '  for f in "$d"/* "$d"/.[!.]*; do',
    `    [ -e "$f" ] && printf 'F\\t%s\\t%s\\n' "$d" "\${f##*/}"`,
    '  done',
    'done',
    'exit 0',
    '',
  ].join('\n');
}

export function parseDirs(dirs: readonly string[], stdout: string): Map<string, FoundDir> {
  const found = new Map<string, { exists: true; files: string[] }>();
  for (const line of stdout.split('\n')) {
    const [tag, dir, name] = line.split('\t');
    if (tag === 'D' && dir !== undefined) found.set(dir, { exists: true, files: [] });
    if (tag === 'F' && dir !== undefined && name !== undefined) found.get(dir)?.files.push(name);
  }
  return new Map(dirs.map((d) => [d, found.get(d) ?? { exists: false }]));
}

/**
 * Asks every host with file backups (kept or purged: a purge is checked too) what its folders
 * hold, one host after another, each bounded by a timeout. A host found in no readable inventory
 * is reported, not asked.
 */
export async function checkBackups(
  listing: BackupsListing,
  adapters: RolloutAdapters,
): Promise<FoundDirs> {
  const asks = new Map<string, { inventory: Inventory | undefined; env: string; dirs: string[] }>();
  for (const r of listing.runs)
    for (const h of r.hosts)
      for (const b of h.bindings) {
        if (b.kept.type !== 'files') continue;
        const key = `${h.env}\0${h.host}`;
        const ask = asks.get(key) ?? {
          inventory: listing.inventoryOf(r.run),
          env: h.env,
          dirs: [],
        };
        ask.dirs.push(b.kept.dir);
        asks.set(key, ask);
      }
  const out = new Map<string, FoundDir>();
  for (const [key, ask] of asks) {
    const hostName = key.slice(key.indexOf('\0') + 1);
    for (const [dir, found] of await askHost(hostName, ask, adapters))
      out.set(`${hostName} ${dir}`, found);
  }
  return out;
}

async function askHost(
  name: string,
  ask: { inventory: Inventory | undefined; env: string; dirs: readonly string[] },
  adapters: RolloutAdapters,
): Promise<Map<string, FoundDir>> {
  const failed = (error: string) => new Map(ask.dirs.map((d) => [d, { error }]));
  const host = ask.inventory?.environments
    .find((e) => e.name === ask.env)
    ?.hosts.find((h) => h.name === name);
  if (host === undefined) return failed('the host is not in the inventory the run names');
  try {
    const t = adapters.transportFor(host);
    if (t.shell !== 'sh') return failed('not an sh host');
    const signal = AbortSignal.timeout(CHECK_TIMEOUT_MS);
    await t.connect(signal);
    const r = await t.exec(listDirsScript(ask.dirs), { signal, timeoutMs: CHECK_TIMEOUT_MS });
    if (r.exitCode !== 0) return failed(`listing failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
    return parseDirs(ask.dirs, r.stdout);
  } catch (error) {
    return failed((error as Error).message);
  }
}
