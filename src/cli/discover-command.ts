// `certroll discover`: read the inventory, discover every selected host, print the report.
// Loaded only when the command runs. Discovery itself (reading hosts, the report) is in
// src/discover; this is the command's side: its flags checked, the inventory read, the output.
import { resolve } from 'node:path';
import { CertrollError } from '../errors.js';
import { type Host, type Inventory } from '../inventory/model.js';
import { type Transport } from '../transport/types.js';
import { MIN_PREFIX_HEX, parseFingerprintPrefix } from '../cert/fingerprint-prefix.js';
import { type ProbeFn } from '../probe/shared.js';
import { printable } from '../inventory/hidden-characters.js';
import { sha256Mistake } from '../inventory/thumbprints.js';
import {
  renderJson,
  renderTable,
  renderYaml,
  summarise,
  discoverExitCode,
} from '../discover/render.js';
import { discoverHosts, type HostRef } from '../discover/run.js';

export interface DiscoverCliValues {
  readonly inventory?: string;
  readonly env?: readonly string[];
  readonly host?: readonly string[];
  readonly old?: readonly string[];
  readonly oldBundle?: string;
  readonly trust?: readonly string[];
  readonly format?: string;
  readonly critDays?: string;
  readonly timeout?: string;
}

export function selectHosts(
  inv: Inventory,
  envs: readonly string[],
  hosts: readonly string[],
): HostRef[] {
  const refs = inv.environments
    .filter((e) => envs.length === 0 || envs.includes(e.name))
    .flatMap((e) =>
      e.hosts.map((host) => ({ env: e.name, host, ...(e.pools ? { pools: e.pools } : {}) })),
    )
    .filter((r) => hosts.length === 0 || hosts.includes(r.host.name));
  const unknown = [
    ...envs.filter((n) => !inv.environments.some((e) => e.name === n)),
    ...hosts.filter((n) => !inv.environments.some((e) => e.hosts.some((h) => h.name === n))),
  ];
  if (unknown.length > 0 || refs.length === 0)
    throw new CertrollError(
      'USAGE',
      `No host selected in ${inv.source}${unknown.length > 0 ? `: unknown ${unknown.join(', ')}` : ''}.`,
      {
        hint: `Environments: ${inv.environments.map((e) => e.name).join(', ')}.`,
      },
    );
  return refs;
}

/**
 * The certificates `--old` and `--old-bundle` name (SHA-256, canonical; a prefix of one from
 * --old), or undefined for none.
 */
export async function oldSet(
  v: Pick<DiscoverCliValues, 'old' | 'oldBundle'>,
  cwd: string,
): Promise<Set<string> | undefined> {
  const out = new Set<string>();
  for (const o of v.old ?? []) {
    // A prefix (at least 8 hex digits, as the tables print them) is resolved once the hosts
    // were read, against what they serve (discoverHosts).
    const mistake = sha256Mistake(o);
    const parsed = mistake === undefined ? parseFingerprintPrefix(o) : { why: mistake };
    if ('why' in parsed)
      throw new CertrollError(
        'USAGE',
        `--old must be a SHA-256 fingerprint or a prefix of one, not ${printable(o)}: ${parsed.why}`,
        {
          hint: `Give the 64 hex digits \`certroll cert check FILE\` prints, or at least the first ${MIN_PREFIX_HEX} as \`discover\` and \`scan\` print them.`,
        },
      );
    out.add(parsed.hex);
  }
  if (v.oldBundle !== undefined) {
    const { loadCertificates } = await import('../cert/index.js');
    const { canonicalFingerprint } = await import('../probe/cert-summary.js');
    for (const c of loadCertificates(resolve(cwd, v.oldBundle), 'old bundle').filter((x) => !x.ca))
      out.add(canonicalFingerprint(c.fingerprint256));
  }
  return out.size > 0 ? out : undefined;
}

export async function runDiscover(
  v: DiscoverCliValues,
  io: { stdout: (s: string) => void; cwd: string },
  json: boolean,
  ports: { readonly transportFor: (host: Host) => Transport; readonly probe: ProbeFn },
): Promise<number> {
  if (v.inventory === undefined)
    throw new CertrollError('USAGE', 'discover needs an inventory: -i INV');
  const format = v.format ?? (json ? 'json' : 'table');
  if (!['table', 'json', 'yaml'].includes(format))
    throw new CertrollError('USAGE', `--format must be table, json or yaml, not ${format}`);
  const critDays = Number(v.critDays ?? '7');
  const timeout = Number(v.timeout ?? '3000');
  if (!Number.isInteger(critDays) || critDays < 0 || !Number.isInteger(timeout) || timeout < 1)
    throw new CertrollError('USAGE', '--crit-days and --timeout must be whole positive numbers');
  const [{ loadInventory }, playbooks] = await Promise.all([
    import('../inventory/index.js'),
    import('../playbooks/index.js'),
  ]);
  // Discovery runs the bindings' nginx and haproxy commands on the hosts: their params pass the
  // same rules as for `plan` before any host is reached.
  const inventory = loadInventory(v.inventory, {
    cwd: io.cwd,
    bindingRules: (dirs) => playbooks.bindingRules(playbooks.loadPlaybooks({ userDirs: dirs })),
  });
  const refs = selectHosts(inventory, v.env ?? [], v.host ?? []);
  const old = await oldSet(v, io.cwd);
  const trust =
    v.trust !== undefined && v.trust.length > 0
      ? await trustPems(v.trust.map((t) => resolve(io.cwd, t)))
      : undefined;
  const { hosts, old: used } = await discoverHosts(refs, {
    transportFor: ports.transportFor,
    probe: ports.probe,
    ...(old !== undefined ? { old } : {}),
    ...(trust !== undefined ? { trust } : {}),
    critDays,
    probeTimeoutMs: timeout,
  });
  io.stdout(
    format === 'json'
      ? renderJson(hosts, used)
      : format === 'yaml'
        ? renderYaml(hosts, used)
        : renderTable(hosts, used),
  );
  return discoverExitCode(summarise(hosts));
}

export async function trustPems(files: readonly string[]): Promise<string[]> {
  const { loadCertificates } = await import('../cert/index.js');
  return files.flatMap((f) => loadCertificates(f, 'trust file').map((c) => c.toString()));
}
