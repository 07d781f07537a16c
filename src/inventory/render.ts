// The resolved tree as `inventory check` prints it: environments, hosts with their transport,
// and every binding with the port, kind, SNI and pool that will be probed.
import { type Binding, type Environment, type Host, type Inventory, type Pool } from './model.js';

export function renderInventory(inv: Inventory): string {
  const lines: string[] = [];
  const hosts = inv.environments.reduce((n, e) => n + e.hosts.length, 0);
  const bindings = inv.environments.reduce(
    (n, e) => n + e.hosts.reduce((m, h) => m + h.bindings.length, 0),
    0,
  );
  lines.push(`inventory ${inv.source}`);
  lines.push(`  sha256 ${inv.digest}`);
  lines.push(
    `  ${plural(inv.environments.length, 'environment')}, ${plural(hosts, 'host')}, ${plural(bindings, 'binding')}`,
  );
  for (const dir of inv.playbookDirs) lines.push(`  playbooks ${dir}`);
  for (const env of inv.environments) lines.push('', ...renderEnvironment(env));
  return `${lines.join('\n')}\n`;
}

function renderEnvironment(env: Environment): string[] {
  const p = env.policy;
  const canary = p.canary.length > 0 ? p.canary.join(', ') : 'none';
  const out = [
    `environment ${env.name}`,
    `  policy: canary ${canary}; batch ${p.batchSize}, concurrency ${p.concurrency}; failure budget ${p.failureBudget}; on failure ${p.onFailure}; soak ${formatDuration(p.soakMs)}; approval ${yesNo(p.approval)}; cold-start check ${yesNo(p.coldStartCheck)}; undo ${p.undo ?? 'host'}`,
  ];
  for (const host of env.hosts) out.push(...renderHost(host));
  for (const pool of env.pools ?? []) out.push(...renderPool(pool));
  return out;
}

function renderPool(pool: Pool): string[] {
  const b = pool.balancer;
  const vips = pool.vips.map((v) => `${bracket(v.address)}:${v.port}`).join(', ') || 'none';
  return [
    `  pool ${pool.name}: ${pool.members.map((m) => `${m.host} ${m.binding}`).join(', ')}`,
    `    vip ${vips}, sampled ${pool.vipSamples} times per name; sni ${pool.sni.join(', ') || 'none'}; after a member fails: ${pool.onMemberFailure}`,
    b === undefined
      ? '    balancer: none (members are not drained)'
      : `    balancer: ${b.kind} on ${b.host}${b.kind === 'haproxy' ? ` (${b.socket}, backend ${b.backend})` : ''}, drain wait ${formatDuration(b.drainTimeoutMs)}`,
  ];
}

function renderHost(host: Host): string[] {
  const t = host.transport;
  const who = t.user !== undefined ? `${t.user}@` : '';
  const via =
    t.kind === 'local'
      ? 'local'
      : `${t.kind} ${who}${bracket(t.hostName ?? host.address)}:${t.port}${t.sudo ? ' (sudo)' : ''}`;
  const out = [
    `  host ${host.name}  ${host.address}  via ${via}${host.legacyPfx ? '  legacy PFX (3DES)' : ''}`,
  ];
  if (t.kind !== 'local' && t.kind !== 'pwsh-remoting') {
    const key = t.hostKeyFingerprint ?? `known_hosts ${t.knownHosts.join(', ')}`;
    out.push(`    host key: ${key}`);
  }
  if (t.proxyJump !== undefined) {
    const hops = t.proxyJump.map(
      (j) => `${j.user === undefined ? '' : `${j.user}@`}${bracket(j.address)}:${j.port}`,
    );
    out.push(`    jump hosts: ${hops.join(' -> ')}`);
  }
  if (t.sshConfig !== undefined) out.push(`    ssh_config: ${t.sshConfig}`);
  if (host.bindings.length === 0) out.push('    (no bindings)');
  for (const b of host.bindings) out.push(...renderBinding(b, host));
  for (const x of host.exclusions) {
    out.push(
      `    excluded ${x.address !== undefined ? `${bracket(x.address)}:` : ''}${x.port}: ${x.reason}`,
    );
  }
  return out;
}

function renderBinding(b: Binding, host: Host): string[] {
  const p = b.probe;
  const sni = p.sni.length > 0 ? p.sni.join(', ') : 'none';
  const target =
    p.address !== host.address || p.port !== b.port
      ? `  probe ${bracket(p.address)}:${p.port}`
      : '';
  const out = [
    `    ${String(b.port).padEnd(5)} ${b.kind.padEnd(15)} sni ${sni}${target}  [${b.id}]`,
  ];
  if (p.pool !== undefined) {
    const members = p.pool.members
      .map((m) => `${m.name} ${bracket(m.address)}:${m.port}`)
      .join(', ');
    out.push(`          pool: ${members}`);
    if (p.pool.vip !== undefined) {
      out.push(
        `          vip ${bracket(p.pool.vip.address)}:${p.pool.vip.port}, sampled ${p.pool.vipSamples} times`,
      );
    }
  }
  return out;
}

export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const rest = ms % 1000;
  if (h > 0) parts.push(`${h}h`);
  if (m > 0) parts.push(`${m}m`);
  if (s > 0) parts.push(`${s}s`);
  if (rest > 0) parts.push(`${rest}ms`);
  return parts.join('');
}

const bracket = (a: string): string => (a.includes(':') ? `[${a}]` : a);
const yesNo = (b: boolean): string => (b ? 'yes' : 'no');
const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
