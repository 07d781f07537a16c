// Which bindings of a host are changed together (one unit) and which alone.
import { describe, expect, it } from 'vitest';
import {
  undoOrder,
  undoneLast,
  unitOfBinding,
  unitsOf,
  sharesAcrossBindings,
} from '../../../src/plan/units.js';
import { loadPlaybooks, type Playbook } from '../../../src/playbooks/index.js';
import { type Binding } from '../../../src/inventory/model.js';

const playbooks = loadPlaybooks();
const pb = (kind: string): Playbook | undefined => playbooks.get(kind);

const nginx = (port: number, certPath = '/etc/nginx/tls/site.crt'): Binding =>
  ({
    id: `web:${port}`,
    port,
    kind: 'nginx',
    params: { certPath, keyPath: '/etc/nginx/tls/site.key' },
  }) as unknown as Binding;

describe('units of work on a host', () => {
  it('puts the ports of one nginx served from the same files into one unit, in inventory order', () => {
    const host = { bindings: [nginx(443), nginx(8443), nginx(9443, '/etc/nginx/tls/other.crt')] };
    expect(unitsOf(host, pb)).toEqual([['web:443', 'web:8443'], ['web:9443']]);
  });

  it('compares parameters after defaults: a default written out is the same parameter', () => {
    const explicit = { ...nginx(8443), params: { ...nginx(8443).params, fullchain: true } };
    expect(unitsOf({ bindings: [nginx(443), explicit as Binding] }, pb)).toEqual([
      ['web:443', 'web:8443'],
    ]);
  });

  it('never merges PowerShell bindings (their steps get the port) or bindings of unknown kinds', () => {
    const netsh = (port: number) =>
      ({ id: `bc:${port}`, port, kind: 'netsh-http', params: {} }) as unknown as Binding;
    const unknown = (port: number) =>
      ({ id: `x:${port}`, port, kind: 'no-such-kind', params: {} }) as unknown as Binding;
    expect(unitsOf({ bindings: [netsh(7047), netsh(7048)] }, pb)).toEqual([
      ['bc:7047'],
      ['bc:7048'],
    ]);
    expect(unitsOf({ bindings: [unknown(1), unknown(2)] }, pb)).toEqual([['x:1'], ['x:2']]);
    expect(sharesAcrossBindings(pb('netsh-http')!)).toBe(false);
    expect(sharesAcrossBindings(pb('nginx')!)).toBe(true);
  });

  it('never merges bindings of an sh playbook whose steps name the binding', () => {
    const nginxPb = pb('nginx')!;
    const perPort: Playbook = {
      ...nginxPb,
      steps: { ...nginxPb.steps, bind: `${nginxPb.steps.bind}\necho {{ binding.port }}\n` },
    };
    expect(sharesAcrossBindings(perPort)).toBe(false);
    expect(unitsOf({ bindings: [nginx(443), nginx(8443)] }, () => perPort)).toEqual([
      ['web:443'],
      ['web:8443'],
    ]);
  });

  it('finds the unit of a binding, or a unit of one for a binding no unit holds', () => {
    const units = [['a', 'b'], ['c']];
    expect(unitOfBinding(units, 'b')).toEqual(['a', 'b']);
    expect(unitOfBinding(units, 'z')).toEqual(['z']);
  });

  it('undoes a restart-only unit (windows-service) after the units that install the certificate', () => {
    expect(undoneLast(pb('windows-service'))).toBe(true);
    for (const kind of ['netsh-http', 'iis', 'bc-service-tier', 'nginx'])
      expect(undoneLast(pb(kind)), kind).toBe(false);
    // Bound: BC, IIS, the service restart, a netsh-http binding; undone: newest first, the
    // restart after every unit that puts a certificate back.
    const last = (l: string) => l === 'svc';
    expect(undoOrder(['bc', 'iis', 'svc', 'netsh'], last)).toEqual(['netsh', 'iis', 'bc', 'svc']);
    expect(undoOrder(['a', 'b'], () => false)).toEqual(['b', 'a']);
  });
});
