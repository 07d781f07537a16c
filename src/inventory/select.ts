// `--env` and `--host` (each repeatable), the same for every command: like Ansible's --limit, the
// inventory narrowed to the environments named and, within them, the hosts named. A name that is
// not in the inventory is a usage error that lists the known ones, so a typo never selects
// nothing silently.
import { CertrollError } from '../errors.js';
import { type Inventory } from './model.js';
import { didYouMean } from './suggest.js';

export interface Selection {
  /** Only these environments (every one when empty or absent). */
  readonly envs?: readonly string[];
  /** Only these hosts, in whichever environment (every one when empty or absent). */
  readonly hosts?: readonly string[];
}

function unknownNames(
  what: '--env' | '--host',
  names: readonly string[],
  known: readonly string[],
  source: string,
): void {
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length === 0) return;
  const first = unknown[0] ?? '';
  throw new CertrollError(
    'USAGE',
    `${what} ${unknown.join(', ')}: no ${what === '--env' ? 'environment' : 'host'} of that name in ${source}.`,
    { hint: `${didYouMean(first, known)}Known: ${known.join(', ') || '(none)'}.` },
  );
}

export function selectInventory(inventory: Inventory, s: Selection): Inventory {
  const envs = s.envs ?? [];
  const hosts = s.hosts ?? [];
  if (envs.length === 0 && hosts.length === 0) return inventory;
  unknownNames(
    '--env',
    envs,
    inventory.environments.map((e) => e.name),
    inventory.source,
  );
  const inEnvs = inventory.environments.filter((e) => envs.length === 0 || envs.includes(e.name));
  unknownNames(
    '--host',
    hosts,
    inEnvs.flatMap((e) => e.hosts.map((h) => h.name)),
    inventory.source,
  );
  return {
    ...inventory,
    environments: inEnvs
      .map((e) => ({
        ...e,
        hosts: e.hosts.filter((h) => hosts.length === 0 || hosts.includes(h.name)),
      }))
      .filter((e) => e.hosts.length > 0),
  };
}
