// Maps an Ansible inventory (groups, effective host vars) to certroll's input format. Only hosts
// with `certroll_bindings` take part; environments come from `certroll_environment` or else
// from the top-level groups. Ansible's own connection vars become the transport (a ProxyJump
// given in ansible_ssh_common_args or ansible_ssh_extra_args too).
import { split as shlexSplit } from 'shlex';
import { effectiveHosts, topLevelGroups, type AnsibleList, type EffectiveHost } from './groups.js';

export interface MapProblem {
  readonly host?: EffectiveHost;
  readonly varName?: string;
  readonly message: string;
  readonly hint?: string;
}

export interface MappedAnsible {
  readonly data: { version: 1; playbooks?: unknown; environments: unknown[] };
  /** The effective host behind environments[e].hosts[h]. */
  readonly hostAt: (e: number, h: number) => EffectiveHost | undefined;
  readonly problems: readonly MapProblem[];
}

const TRUTHY = new Set([true, 1, 'yes', 'true', 'True', 'on', '1', 'y']);

export function mapAnsible(list: AnsibleList): MappedAnsible {
  const problems: MapProblem[] = [];
  const hosts = effectiveHosts(list).filter((h) => h.vars['certroll_bindings'] !== undefined);
  if (hosts.length === 0) {
    problems.push({
      message: 'no host has a certroll_bindings variable, so there is nothing to roll out',
      hint: 'Set certroll_bindings (a list of bindings in certroll format) on the hosts or their groups.',
    });
  }
  const groups = groupByEnvironment(list, hosts, problems);
  const environments = [...groups].map(([name, members]) => {
    const first = members[0];
    const policy = first?.vars['certroll_policy'];
    for (const m of members.slice(1)) {
      if (JSON.stringify(m.vars['certroll_policy']) !== JSON.stringify(policy)) {
        problems.push({
          host: m,
          varName: 'certroll_policy',
          message: `certroll_policy of ${m.name} differs from that of ${first?.name ?? '?'} in environment ${name}`,
          hint: 'Set certroll_policy once on the environment group, not per host.',
        });
      }
    }
    return {
      name,
      ...(policy !== undefined && { policy }),
      hosts: members.map((h) => mapHost(h, problems)),
    };
  });
  const playbooks = hosts[0]?.vars['certroll_playbooks'];
  return {
    data: { version: 1, ...(playbooks !== undefined && { playbooks }), environments },
    hostAt: (e, h) => [...groups.values()][e]?.[h],
    problems,
  };
}

function groupByEnvironment(
  list: AnsibleList,
  hosts: readonly EffectiveHost[],
  problems: MapProblem[],
): Map<string, EffectiveHost[]> {
  const out = new Map<string, EffectiveHost[]>();
  const add = (env: string, h: EffectiveHost): void =>
    void out.set(env, [...(out.get(env) ?? []), h]);
  if (hosts.some((h) => h.vars['certroll_environment'] !== undefined)) {
    const order = hosts.find((h) => Array.isArray(h.vars['certroll_environments']))?.vars[
      'certroll_environments'
    ] as unknown[] | undefined;
    for (const name of order ?? []) if (typeof name === 'string') out.set(name, []);
    for (const h of hosts) {
      const env = h.vars['certroll_environment'];
      if (typeof env !== 'string') {
        problems.push({
          host: h,
          varName: 'certroll_environment',
          message: `host ${h.name} has certroll_bindings but no certroll_environment (others do)`,
          hint: 'Set certroll_environment on every host with bindings, or on their groups.',
        });
      } else add(env, h);
    }
    for (const [name, members] of out) if (members.length === 0) out.delete(name);
    return out;
  }
  const top = topLevelGroups(list);
  for (const g of top) out.set(g, []);
  for (const h of hosts) {
    const envs = top.filter((g) => h.groups.has(g));
    if (envs.length !== 1) {
      problems.push({
        host: h,
        message:
          envs.length === 0
            ? `host ${h.name} is in no top-level group, so it has no environment`
            : `host ${h.name} is in several top-level groups (${envs.join(', ')}), so its environment is ambiguous`,
        hint: 'Set certroll_environment: NAME on the host or its group to say which environment it belongs to.',
      });
    } else add(envs[0] as string, h);
  }
  for (const [name, members] of out) if (members.length === 0) out.delete(name);
  return out;
}

function mapHost(h: EffectiveHost, problems: MapProblem[]): Record<string, unknown> {
  const v = h.vars;
  const transport: Record<string, unknown> = {};
  const kind = transportKind(v['ansible_connection'], v['ansible_shell_type']);
  if (kind === undefined) {
    problems.push({
      host: h,
      varName: 'ansible_connection',
      message: `ansible_connection ${JSON.stringify(v['ansible_connection'])} is not supported`,
      hint: 'certroll connects with ssh, winrm/psrp (pwsh remoting) or local.',
    });
  } else transport['kind'] = kind;
  const port = numeric(v['ansible_port'] ?? v['ansible_ssh_port']);
  if (port !== undefined) transport['port'] = port;
  const user = v['ansible_user'] ?? v['ansible_ssh_user'];
  if (user !== undefined) transport['user'] = user;
  const key = v['ansible_ssh_private_key_file'] ?? v['ansible_private_key_file'];
  if (key !== undefined) transport['identityFile'] = key;
  const jump =
    proxyJumpOf(v['ansible_ssh_common_args']) ?? proxyJumpOf(v['ansible_ssh_extra_args']);
  if (jump !== undefined) transport['proxyJump'] = jump;
  if (v['ansible_become'] !== undefined)
    transport['sudo'] = TRUTHY.has(v['ansible_become'] as never);
  const extra = v['certroll_transport'];
  const out: Record<string, unknown> = {
    name: h.name,
    address: v['ansible_host'] ?? v['ansible_ssh_host'] ?? h.name,
    // A certroll_transport that is not a map is passed on as it is, for validation to report.
    transport:
      extra === undefined
        ? transport
        : extra !== null && typeof extra === 'object' && !Array.isArray(extra)
          ? { ...transport, ...extra }
          : extra,
    bindings: v['certroll_bindings'],
  };
  if (v['certroll_legacy_pfx'] !== undefined) out['legacyPfx'] = v['certroll_legacy_pfx'];
  if (v['certroll_exclude'] !== undefined) out['exclude'] = v['certroll_exclude'];
  if (v['certroll_state_dir'] !== undefined) out['stateDir'] = v['certroll_state_dir'];
  return out;
}

/**
 * The jump host in Ansible's extra ssh arguments (`-J bastion`, `-o ProxyJump=bastion`), the way
 * Ansible users reach hosts behind one. Other ssh options there are not certroll's to apply.
 */
export function proxyJumpOf(args: unknown): string | undefined {
  if (typeof args !== 'string') return undefined;
  let words: string[];
  try {
    words = shlexSplit(args);
  } catch {
    return undefined;
  }
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    const option = w === '-o' ? (words[++i] ?? '') : w.startsWith('-o') ? w.slice(2) : undefined;
    if (option !== undefined) {
      const m = /^ProxyJump\s*[= ]\s*(\S+)$/i.exec(option.trim());
      if (m !== null) return m[1];
    } else if (w === '-J') return words[i + 1];
    else if (w.startsWith('-J')) return w.slice(2);
  }
  return undefined;
}

function transportKind(connection: unknown, shell: unknown): string | undefined {
  const c = connection ?? 'ssh';
  if (c === 'winrm' || c === 'psrp') return 'pwsh-remoting';
  if (c === 'local') return 'local';
  if (c === 'ssh' || c === 'smart' || c === 'paramiko' || c === 'paramiko_ssh')
    return shell === 'powershell' || shell === 'pwsh' ? 'powershell-ssh' : 'ssh';
  return undefined;
}

// Ansible's INI format yields ports as strings; its own tools accept them, so do we.
function numeric(value: unknown): unknown {
  return typeof value === 'string' && /^[1-9][0-9]{0,4}$/.test(value) ? Number(value) : value;
}
