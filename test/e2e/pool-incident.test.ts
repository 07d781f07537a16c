// The second incident, replayed through the built CLI on the real lab: three nginx members behind
// an haproxy VIP (TCP passthrough), and one member whose configured certificate file has expired
// while the running nginx still serves the valid old one (the node that will not start after its
// next reboot; the balancer hides it). `scan --configured` names it; the VIP alone looks healthy.
// Then the pool is renewed one member at a time, each drained through haproxy's runtime API,
// bound, proven directly, restarted, proven again and returned, while the test samples the VIP
// throughout: it never serves an expired certificate, nor the new one before a proven member was
// returned. A second run with a fault on the second member rolls that member back alone.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../src/probe/probe.js';
import { runCli, runCliAsync } from '../helpers/cli.js';
import {
  daysFromNow,
  labInventoryHead,
  nginxHostYaml,
  startPool,
  useRenewalLab,
  type Haproxy,
  type Issued,
} from '../lab/index.js';

const PORT = 8443;
const fx = useRenewalLab({ hosts: 4, name: 'shop.lab.test', environments: () => [] });

let vip: Haproxy;
let vipAddress: string;
let expired: Issued;
afterAll(async () => vip?.stop());

beforeAll(async () => {
  const { lab, services, pki, intermediate, name } = fx();
  // lab-4 is the balancer's host: it serves nothing itself.
  await services[3]!.stop();
  vipAddress = `${lab.hosts[0]!.address.split('.').slice(0, 3).join('.')}.100`;
  vip = await startPool(vipAddress, PORT, lab.hosts.slice(0, 3));
  expired = pki.leaf(name, intermediate, {
    notBefore: daysFromNow(-400),
    notAfter: daysFromNow(-2),
  });
  // Every member serves the old leaf with its chain (valid, as in production) ...
  for (const svc of services.slice(0, 3)) {
    writeFileSync(svc.certPath, fx().oldLeaf.certPem + intermediate.certPem);
    svc.reload();
  }
  for (const h of lab.hosts.slice(0, 3))
    await fx().served(h.address, { until: fx().oldLeaf.sha256 });
  // ... but lab-3's files expired on disk; its nginx was last started with the valid old ones.
  writeFileSync(services[2]!.certPath, expired.certPem + intermediate.certPem);
  writeFileSync(services[2]!.keyPath, expired.keyPem);
}, 120_000);

/** The inventory: lab-1..3 in pool shop behind the VIP, lab-4 the balancer's host. */
function writeInventory(restartOf: (i: number) => string): string {
  const { lab, services, name } = fx();
  const members = [0, 1, 2].map((i) => {
    const h = lab.hosts[i]!;
    mkdirSync(join(h.dir, 'state'), { recursive: true, mode: 0o700 });
    // The lab's nginx has no service manager: its restart is the command the test gives.
    return nginxHostYaml(h, services[i]!, join(h.dir, 'state'), name).replace(
      'nginxArgs:',
      `restartCommand: ${JSON.stringify(restartOf(i))}, nginxArgs:`,
    );
  });
  const lb = lab.hosts[3]!;
  const lines = [
    ...labInventoryHead(lab),
    '  - name: prod',
    '    policy: { canary: 1, batchSize: 1, coldStartCheck: true }',
    '    pools:',
    '      - name: shop',
    `        members: [${[0, 1, 2].map((i) => `{ host: ${lab.hosts[i]!.name}, port: ${PORT} }`).join(', ')}]`,
    `        vips: [{ address: ${vipAddress}, port: ${PORT} }]`,
    `        sni: [${name}]`,
    `        balancer: { kind: haproxy, host: ${lb.name}, socket: ${vip.statsSocket}, backend: be_${vipAddress}_${PORT}, drainTimeout: 5s }`,
    '    hosts:',
    ...members,
    `      - name: ${lb.name}`,
    `        address: ${lb.address}`,
    `        transport: { port: ${lb.sshPort} }`,
    '',
  ];
  const path = join(lab.dir, 'pool.yaml');
  writeFileSync(path, lines.join('\n'));
  return path;
}

interface Sample {
  readonly at: number;
  readonly served: string;
  readonly expired: boolean;
}

/** Samples the VIP every 50 ms (fresh handshakes) until stopped. */
function sampleVip(): { stop: () => Promise<Sample[]>; count: () => number } {
  const samples: Sample[] = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running && i < 5_000; i++) {
      const r = await probe(
        { address: vipAddress, port: PORT, sni: fx().name },
        { timeoutMs: 2_000 },
      );
      samples.push({
        at: Date.now(),
        served: r.ok ? r.leaf.sha256 : `failed: ${r.failure.kind}`,
        expired: r.ok && r.leaf.notAfterMs < Date.now(),
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    count: () => samples.length,
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}

interface Step {
  readonly at: number;
  readonly end: number;
  readonly host: string;
  readonly step: string;
  readonly ok: boolean;
}

/** The member steps of the newest run, from its journal. */
function memberSteps(): Step[] {
  const runs = join(fx().stateDir, 'runs');
  const run = readdirSync(runs).sort().at(-1)!;
  const records = readFileSync(join(runs, run, 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(
      (l) =>
        JSON.parse(l) as {
          at: string;
          type: string;
          data: Record<string, string | boolean | undefined>;
        },
    );
  const open = new Map<string, number>();
  const out: Step[] = [];
  for (const r of records) {
    const step = String(r.data['step'] ?? '');
    const host = String(r.data['host'] ?? '');
    if (
      ![
        'drain',
        'bind',
        'verify',
        'restart',
        'returnToPool',
        'rollback',
        'verifyRollback',
      ].includes(step)
    )
      continue;
    const key = `${host} ${step}`;
    if (r.type === 'step-started') open.set(key, Date.parse(r.at));
    else {
      const ok = r.type === 'step-finished' && r.data['ok'] !== false;
      out.push({ at: open.get(key) ?? Date.parse(r.at), end: Date.parse(r.at), host, step, ok });
    }
  }
  return out;
}

function timeline(steps: readonly Step[], samples: readonly Sample[]): string {
  const { oldLeaf, newLeaf } = fx();
  const nameOf = (s: string) =>
    s === oldLeaf.sha256
      ? 'old'
      : s === newLeaf.sha256
        ? 'new'
        : s === expired.sha256
          ? 'EXPIRED'
          : s.slice(0, 12);
  const rows = steps.map((s) => {
    const seen = samples.filter((x) => x.at >= s.at && x.at <= s.end + 50);
    const counts = new Map<string, number>();
    for (const x of seen) counts.set(nameOf(x.served), (counts.get(nameOf(x.served)) ?? 0) + 1);
    const vipText = [...counts].map(([k, n]) => `${k}×${n}`).join(' ') || '-';
    const ms = `${s.end - s.at} ms`.padStart(8);
    return `  ${s.host.padEnd(8)} ${`${s.step}${s.ok ? '' : ' (failed)'}`.padEnd(24)} ${ms}  VIP served: ${vipText}`;
  });
  return rows.join('\n');
}

function resetMembers(leaf: Issued): void {
  const { services, lab, intermediate } = fx();
  for (const i of [0, 1, 2]) {
    writeFileSync(services[i]!.certPath, leaf.certPem + intermediate.certPem);
    writeFileSync(services[i]!.keyPath, leaf.keyPem);
    services[i]!.reload();
    rmSync(join(lab.hosts[i]!.dir, 'state'), { recursive: true, force: true });
  }
}

describe('the pool member that will not start, replayed', () => {
  it('scan --configured is CRITICAL and names that member, while the VIP alone looks healthy', async () => {
    const { root, oldLeaf, lab } = fx();
    const inv = writeInventory(() => fx().services[0]!.reloadCommand);
    const days = ['--warn-days', '10', '--crit-days', '5'];
    const r = runCli(['scan', '-i', inv, '--trust', root.certPath, ...days, '--configured'], {
      timeoutMs: 120_000,
    });
    expect(r.code, r.stderr + r.stdout).toBe(2);
    const critical = r.stdout.split('\n').filter((l) => l.startsWith('CRITICAL'));
    expect(critical.join('\n')).toContain(lab.hosts[2]!.name);
    expect(critical.join('\n')).not.toContain(lab.hosts[0]!.name);
    expect(r.stdout).toMatch(/configured: configured certificate expired/);
    const alone = sampleVip();
    // At least 8 handshakes (bounded in time): a loaded machine samples slowly.
    for (let i = 0; i < 100 && alone.count() < 8; i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const seen = await alone.stop();
    expect(seen.length).toBeGreaterThanOrEqual(8);
    expect(seen.every((s) => s.served === oldLeaf.sha256 && !s.expired)).toBe(true);
  }, 150_000);

  it('rolls the pool member by member: drained, bound, proven, restarted, proven, returned; the VIP never serves an expired or unproven certificate', async () => {
    const { newLeaf, stateDir } = fx();
    const inv = writeInventory((i) => fx().services[i]!.reloadCommand);
    const sampler = sampleVip();
    const r = await runCliAsync(
      ['rollout', ...fx().args().slice(2), '-i', inv, '--yes', '--state-dir', stateDir],
      { timeoutMs: 120_000 },
    );
    const samples = await sampler.stop();
    const steps = memberSteps();
    console.log(`run 1 timeline (member, step, what the VIP served):\n${timeline(steps, samples)}`);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('pool shop in prod: verified');
    // The progress lines say which member serves what, as each is proven.
    expect(r.stderr).toContain('  prod pool shop: 1/3 new (lab-2, lab-3 old)\n');
    expect(r.stderr).toContain('  prod pool shop: 3/3 new\n');
    expect(r.stdout).toMatch(
      /pool shop: members lab-1 lab-1:8443, lab-2 lab-2:8443, lab-3 lab-3:8443, each drained through haproxy on lab-4; then checked whole: every member directly, 15 handshake\(s\) per name/,
    );
    const { lab } = fx();
    for (const h of lab.hosts.slice(0, 3))
      expect(steps.filter((s) => s.host === h.name).map((s) => s.step)).toEqual([
        'drain',
        'bind',
        'verify',
        'restart',
        'verify',
        'returnToPool',
      ]);
    expect(samples.filter((s) => s.expired || s.served.startsWith('failed'))).toEqual([]);
    const firstReturn = steps.find((s) => s.step === 'returnToPool')!.at;
    expect(samples.filter((s) => s.served === newLeaf.sha256 && s.at < firstReturn)).toEqual([]);
    expect(samples.some((s) => s.served === newLeaf.sha256)).toBe(true);
  }, 150_000);

  it('with a fault on the second member, rolls it back alone, proven on the old certificate; the first stays verified and the pool is reported mixed', async () => {
    const { oldLeaf, stateDir, services, lab } = fx();
    resetMembers(oldLeaf);
    // Member 2's service does not come back after its restart (the cold-start check's catch).
    const inv = writeInventory((i) =>
      i === 1
        ? "printf 'nginx: [emerg] the service failed to start\\n' >&2; exit 1"
        : services[i]!.reloadCommand,
    );
    for (const h of lab.hosts.slice(0, 3)) await fx().served(h.address, { until: oldLeaf.sha256 });
    const sampler = sampleVip();
    const r = await runCliAsync(
      ['rollout', ...fx().args().slice(2), '-i', inv, '--yes', '--state-dir', stateDir],
      { timeoutMs: 120_000 },
    );
    const samples = await sampler.stop();
    const steps = memberSteps();
    console.log(`run 2 timeline (member, step, what the VIP served):\n${timeline(steps, samples)}`);
    expect(r.code, r.stderr + r.stdout).toBe(1);
    const [m1, m2, m3] = lab.hosts;
    expect(r.stdout).toMatch(new RegExp(`prod\\s+${m1!.name}\\s+\\S+\\s+verified`));
    expect(r.stdout).toMatch(new RegExp(`prod\\s+${m2!.name}\\s+\\S+\\s+rolled-back`));
    expect(r.stdout).toMatch(/pool shop in prod: mixed/);
    // lab-2 was new for a moment, then old again once its rollback was proven.
    expect(r.stderr).toContain('  prod pool shop: 2/3 new (lab-3 old)\n');
    expect(
      r.stderr
        .split('\n')
        .filter((l) => l.includes('pool shop:'))
        .at(-1),
    ).toBe('  prod pool shop: 1/3 new (lab-2, lab-3 old)');
    expect(steps.filter((s) => s.host === m2!.name).map((s) => s.step)).toEqual([
      'drain',
      'bind',
      'verify',
      'restart',
      'rollback',
      'verifyRollback',
      'returnToPool',
    ]);
    expect(steps.find((s) => s.host === m2!.name && s.step === 'restart')?.ok).toBe(false);
    expect(steps.some((s) => s.host === m3!.name)).toBe(false);
    expect(await fx().served(m1!.address)).toBe(fx().newLeaf.sha256);
    expect(await fx().served(m2!.address)).toBe(oldLeaf.sha256);
    expect(samples.filter((s) => s.expired || s.served.startsWith('failed'))).toEqual([]);
  }, 150_000);
});
