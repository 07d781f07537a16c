// Units of work on a host: bindings that one set of steps changes together. Four ports served by
// one nginx from one certificate and key file are one unit: staged, bound and reloaded once,
// every port verified, undone once. A binding alone is a unit of one. Pure.
import { type Binding, type Host } from '../inventory/model.js';
import { materialOf, resolveParams, type Playbook } from '../playbooks/index.js';

/** Binding ids, in inventory order; the first (the leader) is the one the steps are rendered for. */
export type Unit = readonly string[];

// A script that names the binding (its port or id) does something different per binding, so
// bindings of that playbook are never merged.
const NAMES_BINDING = /\{\{\s*binding\./;

/** True when the playbook's steps do the same thing for every binding with the same parameters. */
export function sharesAcrossBindings(playbook: Playbook): boolean {
  if (playbook.unit !== undefined) return playbook.unit === 'params';
  // PowerShell steps get the binding (port, id) in their input document and may use it.
  if (playbook.shell !== 'sh') return false;
  return Object.values(playbook.steps).every((s) => s === undefined || !NAMES_BINDING.test(s));
}

/**
 * Groups a host's bindings into units: same kind, a playbook whose steps do not depend on the
 * binding, and the same resolved parameters (same files, same service, same reload). Order is
 * kept: units in the order of their first binding, members in inventory order.
 */
export function unitsOf(
  host: Pick<Host, 'bindings'>,
  playbookFor: (kind: string) => Playbook | undefined,
): Unit[] {
  const units = new Map<string, string[]>();
  for (const b of host.bindings) {
    let playbook: Playbook | undefined;
    try {
      playbook = playbookFor(b.kind);
    } catch {
      // An unknown kind is reported by the pre-flight; alone, the binding fails on its own.
      playbook = undefined;
    }
    const key = unitKey(b, playbook);
    const unit = units.get(key);
    if (unit === undefined) units.set(key, [b.id]);
    else unit.push(b.id);
  }
  return [...units.values()];
}

function unitKey(b: Binding, playbook: Playbook | undefined): string {
  if (playbook === undefined || !sharesAcrossBindings(playbook)) return `binding ${b.id}`;
  try {
    return `${b.kind} ${JSON.stringify(sorted(resolveParams(playbook, b)))}`;
  } catch {
    // Invalid parameters are reported by the pre-flight; alone, the binding fails on its own.
    return `binding ${b.id}`;
  }
}

const sorted = (o: Readonly<Record<string, unknown>>): [string, unknown][] =>
  Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * True for a kind that installs no certificate (`material: none`, e.g. windows-service): it
 * restarts a service so that it loads the certificate another unit installed, and its rollback
 * restarts it to load the one the other units put back. So it is undone after them: undone first
 * (newest first), it would restart the service on the new certificate still in place, and a
 * service that cannot use it would stay stopped.
 */
export function undoneLast(playbook: Playbook | undefined): boolean {
  return playbook !== undefined && materialOf(playbook) === 'none';
}

/** Unit leaders in the order to undo them: newest first, the units undone last after the rest. */
export function undoOrder(bound: readonly string[], last: (leader: string) => boolean): string[] {
  const newestFirst = [...bound].reverse();
  return [...newestFirst.filter((l) => !last(l)), ...newestFirst.filter((l) => last(l))];
}

/** The unit a binding belongs to (a unit of one when it is not in `units`). */
export function unitOfBinding(units: readonly Unit[], id: string): Unit {
  return units.find((u) => u.includes(id)) ?? [id];
}
