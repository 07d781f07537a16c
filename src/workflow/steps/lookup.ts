// The inventory as the steps look things up: a host by name, a binding by id, its playbook, the
// host's units and its state folder. A name that is not there is a bug (the machines only name
// what the plan holds), hence INTERNAL.
import { CertrollError } from '../../errors.js';
import { type Binding, type Host } from '../../inventory/model.js';
import { type Playbook } from '../../playbooks/index.js';
import { unitsOf, type Unit } from '../../plan/units.js';
import { type StepDeps } from '../ports.js';

export interface Lookup {
  readonly host: (name: string) => Host;
  readonly binding: (host: Host, id: string) => Binding;
  readonly playbook: (binding: Binding) => Playbook;
  /** The host's bindings in units (src/plan/units.ts), the same in every process of a run. */
  readonly units: (name: string) => Unit[];
  /** The host's state folder, when one is set. */
  readonly stateDir: (name: string) => string | undefined;
}

export function createLookup(
  deps: Pick<StepDeps, 'inventory' | 'playbooks' | 'stateDirFor'>,
): Lookup {
  const hosts = new Map<string, Host>();
  for (const env of deps.inventory.environments) for (const h of env.hosts) hosts.set(h.name, h);
  const unitCache = new Map<string, Unit[]>();
  const host = (name: string): Host => {
    const h = hosts.get(name);
    if (h === undefined)
      throw new CertrollError('INTERNAL', `host ${name} is not in the inventory`);
    return h;
  };
  return {
    host,
    binding(h, id) {
      const b = h.bindings.find((x) => x.id === id);
      if (b === undefined)
        throw new CertrollError('INTERNAL', `binding ${id} is not on host ${h.name}`);
      return b;
    },
    playbook(b) {
      const pb = deps.playbooks.get(b.kind);
      if (pb === undefined)
        throw new CertrollError('PLAYBOOK_NOT_FOUND', `No playbook for binding kind ${b.kind}.`);
      return pb;
    },
    units(name) {
      let u = unitCache.get(name);
      if (u === undefined)
        unitCache.set(name, (u = unitsOf(host(name), (k) => deps.playbooks.get(k))));
      return u;
    },
    stateDir: (name) => deps.stateDirFor?.(host(name)) ?? host(name).stateDir,
  };
}
