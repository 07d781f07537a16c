import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { listRunIds } from '../../src/journal/index.js';
import { type Issued, type Lab, type LabService, useRenewalLab } from '../lab/index.js';
import { runCli, runCliAsync } from '../helpers/cli.js';
import { startSampler } from '../helpers/proc-sampler.js';

// plan -> rollout -> plan again, through the built CLI against two lab hosts over real SSH, and a
// stale plan refused. Nothing is faked: sshd, nginx, openssl-made certificates, TLS probes.
//
// The lab is made once for the file. Each test then asks for the state it starts from (`given`):
// where the test before left the lab so, that costs a probe; where not (the test runs alone, with
// -t), it is built through the CLI as a user would, so every test also passes alone.
const fx = useRenewalLab({
  hosts: 2,
  environments: ([staging, production]) => [
    { name: 'staging', hosts: [staging!] },
    { name: 'production', policy: '{ approval: true }', hosts: [production!] },
  ],
});
let lab: Lab;
let root: Issued;
let oldLeaf: Issued;
let newLeaf: Issued;
let stateDir: string;
let services: readonly LabService[];
beforeAll(() => ({ lab, root, oldLeaf, newLeaf, stateDir, services } = fx()));

const common = () => fx().args();
const served = (address: string) => fx().served(address);
const planPath = () => join(lab.dir, 'plan.json');

const given = {
  /** Every host serves the old leaf; a test that changed that is undone from the files. */
  async oldServed(): Promise<void> {
    const now = await Promise.all(lab.hosts.map((h) => served(h.address)));
    if (now.some((sha) => sha !== oldLeaf.sha256)) await fx().resetTo(oldLeaf);
  },
  /** `plan.json`, made against the old leaf (by the first test, or here). */
  async plan(): Promise<string> {
    if (existsSync(planPath())) return planPath();
    await given.oldServed();
    const r = runCli(['plan', ...common(), '-o', planPath()], { timeoutMs: 60_000 });
    if (r.code !== 2) throw new Error(`given.plan: plan exited ${r.code}: ${r.stderr}`);
    return planPath();
  },
  /** A run in stateDir that rolled the new leaf out, which every host serves. */
  async finishedRun(): Promise<void> {
    const now = await Promise.all(lab.hosts.map((h) => served(h.address)));
    if (listRunIds(stateDir).length > 0 && now.every((sha) => sha === newLeaf.sha256)) return;
    await given.oldServed();
    const r = runCli(['rollout', ...common(), '--yes', '--state-dir', stateDir], {
      timeoutMs: 120_000,
    });
    if (r.code !== 0) throw new Error(`given.finishedRun: rollout exited ${r.code}: ${r.stderr}`);
  },
  /** One run in stateDir, rolled back: every host serves the old leaf again. */
  async rolledBackRun(): Promise<void> {
    const now = await Promise.all(lab.hosts.map((h) => served(h.address)));
    if (listRunIds(stateDir).length === 1 && now.every((sha) => sha === oldLeaf.sha256)) return;
    await given.finishedRun();
    const [run] = listRunIds(stateDir);
    const r = runCli(
      ['rollback', run!, '--yes', '--trust', root.certPath, '--state-dir', stateDir],
      {
        timeoutMs: 120_000,
      },
    );
    if (r.code !== 0)
      throw new Error(`given.rolledBackRun: rollback exited ${r.code}: ${r.stderr}`);
  },
};

describe('certroll plan, rollout and apply against the lab', () => {
  it('previews the change and exits 2 without touching any host', async () => {
    await given.oldServed();
    const r = runCli(['plan', ...common(), '-o', join(lab.dir, 'plan.json')], {
      timeoutMs: 60_000,
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toContain(
      `${oldLeaf.sha256.slice(0, 12)}… -> ${newLeaf.sha256.slice(0, 12)}…`,
    );
    expect(r.stdout).toContain('2 binding(s) to change, 0 already current.');
    expect(r.stdout).not.toContain('commands for'); // only with --commands
    for (const h of lab.hosts) expect(await served(h.address)).toBe(oldLeaf.sha256);
  }, 60_000);

  it('renders every command each host will run, the key never shown, in the preview and the plan', async () => {
    await given.oldServed();
    const planPath = join(lab.dir, 'plan-commands.json');
    const r = runCli(['plan', ...common(), '--commands', '-o', planPath], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(2);
    const plan = JSON.parse(readFileSync(planPath, 'utf8')) as {
      environments: {
        hosts: {
          units?: {
            bindings: string[];
            commands: { step: string; script: string; files?: { path: string; mode: string }[] }[];
          }[];
        }[];
      }[];
    };
    const hosts = plan.environments.flatMap((e) => e.hosts);
    expect(hosts).toHaveLength(2);
    for (const [i, h] of hosts.entries()) {
      const [unit] = h.units ?? [];
      expect(unit?.bindings).toEqual([`${lab.hosts[i]!.name}:8443`]);
      expect(unit?.commands.map((c) => c.step)).toEqual(['stage', 'bind', 'cleanup', 'rollback']);
      const stage = unit!.commands[0]!;
      // The key is staged as a file 0600 under the run's folder; its bytes are not in the plan.
      expect(stage.files).toContainEqual(
        expect.objectContaining({
          path: expect.stringMatching(/certroll-RUN-ID\/.*\/key\.pem$/),
          mode: '0600',
        }),
      );
      // The bind script names the files it writes, as the run will.
      expect(unit!.commands[1]!.script).toContain(services[i]!.certPath);
    }
    // Preview: per host, the unit's steps with their scripts; never a line of the key.
    expect(r.stdout).toMatch(/commands for :8443:\n {6}stage\n/);
    expect(r.stdout).toMatch(/ {6}rollback \(only if the unit cannot be proven\)\n/);
    expect(r.stdout).toMatch(/file .*key\.pem \(mode 0600, \d+ bytes, contents not shown\)/);
    expect(r.stdout).toContain("RUN-ID stands for the run's id");
    const keyLine = newLeaf.keyPem.split('\n')[1]!;
    expect(r.stdout).not.toContain(keyLine);
    expect(readFileSync(planPath, 'utf8')).not.toContain(keyLine);
  }, 60_000);

  it('refuses a plan whose binding changed since it was made, and touches nothing', async () => {
    await given.plan();
    const { pki, intermediate } = fx();
    // Someone reissues the certificate on one host (same key, so nginx still accepts it) after
    // the plan was made.
    const reissued = pki.issue(
      { cn: fx().name, sans: [fx().name], days: 25, keyPath: oldLeaf.keyPath },
      intermediate,
    );
    writeFileSync(services[0]!.certPath, reissued.certPem);
    const r = runCli(
      [
        'apply',
        join(lab.dir, 'plan.json'),
        '--trust',
        root.certPath,
        '--yes',
        '--state-dir',
        stateDir,
      ],
      { timeoutMs: 60_000 },
    );
    expect(r.code, r.stderr).toBe(65);
    expect(r.stderr).toContain('[PLAN_STALE]');
    expect(r.stderr).toContain(
      `staging/${lab.hosts[0]!.name}/${lab.hosts[0]!.name}:8443: the binding's current state changed`,
    );
    expect(r.stderr).toContain('No host was modified.');
    expect(listRunIds(stateDir)).toEqual([]);
    writeFileSync(services[0]!.certPath, readFileSync(oldLeaf.certPath));
  }, 60_000);

  it('runs exactly one of two applies of one plan started together, through both environments', async () => {
    await given.plan();
    const args = ['apply', join(lab.dir, 'plan.json'), '--trust', root.certPath, '--yes'];
    const [a, b] = await Promise.all([
      runCliAsync([...args, '--state-dir', stateDir], { timeoutMs: 120_000 }),
      runCliAsync([...args, '--state-dir', stateDir], { timeoutMs: 120_000 }),
    ]);
    const codes = [a.code, b.code].sort();
    // The loser either finds the environment locked (75) or, if it got there after the winner
    // finished, finds the plan stale (65); it never runs.
    expect(codes[0], a.stderr + b.stderr + a.stdout + b.stdout).toBe(0);
    expect([65, 75]).toContain(codes[1]);
    const winner = a.code === 0 ? a : b;
    expect(winner.stdout).toMatch(/staging .* verified/);
    expect(winner.stdout).toMatch(/production .* verified/);
    expect(winner.stdout).toMatch(/rollout succeeded/);
    expect(listRunIds(stateDir)).toHaveLength(1);
    for (const h of lab.hosts) expect(await served(h.address)).toBe(newLeaf.sha256);
    const run = listRunIds(stateDir)[0]!;
    const show = runCli(['show', run, '--raw', '--state-dir', stateDir]);
    expect(show.stdout).toContain('succeeded');
    expect(show.stdout).toMatch(/step-finished .*verify/);
    // The private key never reaches the journal, the plan or the audit log.
    const keyBody = newLeaf.keyPem.split('\n')[1]!;
    for (const f of ['journal.jsonl', 'plan.json', 'audit.log']) {
      expect(readFileSync(join(stateDir, 'runs', run, f), 'utf8')).not.toContain(keyBody);
    }
    // The audit log has one JSON record per step with its duration, and the verify steps carry
    // the expected and the observed fingerprint.
    const audit = readFileSync(join(stateDir, 'runs', run, 'audit.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audit.find((r) => r['step'] === 'verify')).toMatchObject({
      runId: run,
      expected: newLeaf.sha256,
      observed: newLeaf.sha256,
      outcome: 'ok',
      durationMs: expect.any(Number),
    });
  }, 120_000);

  it('then plans nothing to do and exits 0', async () => {
    await given.finishedRun();
    const r = runCli(['plan', ...common()], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('0 binding(s) to change, 2 already current.');
  }, 60_000);

  it('rolls the finished run back: the old certificate is proven again and the backups are purged', async () => {
    await given.finishedRun();
    const [run] = listRunIds(stateDir);
    // Without a terminal to ask on and without --yes, it refuses as `rollout` does: nothing moves.
    const refused = runCli(['rollback', run!, '--trust', root.certPath, '--state-dir', stateDir], {
      timeoutMs: 60_000,
    });
    expect(refused.code, refused.stderr).toBe(64);
    expect(refused.stderr).toContain('without confirmation: stdin is not a terminal');
    expect(refused.stderr).toMatch(/hint: Pass --yes to roll back .*\/.* without asking/);
    for (const h of lab.hosts) expect(await served(h.address)).toBe(newLeaf.sha256);
    const kept = runCli(['backups', run!, '--state-dir', stateDir]);
    expect(kept.stdout.match(/ kept +\S+ nginx +cert, key in /g)).toHaveLength(lab.hosts.length);
    const r = runCli(
      ['rollback', run!, '--yes', '--trust', root.certPath, '--state-dir', stateDir],
      {
        timeoutMs: 120_000,
      },
    );
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/rolled-back/);
    expect(r.stdout).toMatch(/rollback succeeded/);
    for (const h of lab.hosts) expect(await served(h.address)).toBe(oldLeaf.sha256);
    for (const h of lab.hosts) expect(readdirSync(join(h.dir, 'state'))).toEqual([]);
    const show = runCli(['show', run!, '--raw', '--state-dir', stateDir]);
    expect(show.stdout).toContain('rollback-finished');
    const told = runCli(['show', run!, '--state-dir', stateDir]);
    expect(told.stdout).toMatch(/^rollback RUN by \S+ at \S+: rolled-back$/m);
    // `runs` says what happened to the run after it finished, not only how it finished; `backups`
    // that the rollback purged what the run kept on every host.
    const [runs, backups] = await Promise.all([
      runCliAsync(['runs', '--state-dir', stateDir]),
      runCliAsync(['backups', run!, '--state-dir', stateDir]),
    ]);
    expect(runs.stdout).toMatch(
      new RegExp(`^${run!} .* succeeded, then rollback RUN: rolled-back$`, 'm'),
    );
    for (const h of lab.hosts)
      expect(backups.stdout).toMatch(
        new RegExp(
          `^${run!} +\\S+ +${h.name} .* purged by rollback \\S+ \\S+ +\\S+ nginx +cert, key in ${join(h.dir, 'state')}/`,
          'm',
        ),
      );
  }, 120_000);

  it('rolls out again with --yes after the rollback, with progress, and no key in any argv or environment', async () => {
    await given.rolledBackRun();
    // While it runs, every process's argv and environment is sampled for the private key.
    const keyLine = newLeaf.keyPem.split('\n')[1]!;
    const sampler = startSampler(lab.dir, keyLine, 'bin/certroll.js');
    // The launcher replaces itself with a Node whose young generation is small and whose old
    // generation grows by half (bin/certroll.js).
    const young = startSampler(lab.dir, 'no secret here', '--max-semi-space-size=4');
    const old = startSampler(lab.dir, 'no secret here', '--heap-growing-percent=50');
    const r = await runCliAsync(['rollout', ...common(), '--yes', '--state-dir', stateDir], {
      timeoutMs: 120_000,
    });
    const sampled = await sampler.stop();
    expect(sampled.hits).toBe('');
    expect(sampled.seen).not.toBe('');
    if (typeof process.execve === 'function') {
      expect((await young.stop()).seen).not.toBe('');
      expect((await old.stop()).seen).not.toBe('');
    } else await Promise.all([young.stop(), old.stop()]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/rollout succeeded/);
    // Progress, one plain line per step that matters, on stderr.
    expect(r.stderr).toMatch(
      new RegExp(`${lab.hosts[1]!.name} ${lab.hosts[1]!.name}:8443: new certificate proven`),
    );
    for (const h of lab.hosts) expect(await served(h.address)).toBe(newLeaf.sha256);
    expect(listRunIds(stateDir)).toHaveLength(2);
  }, 120_000);

  it('opens four TLS connections per port in a rollout besides verification retries, and none to the SSH server', async () => {
    await fx().resetTo(oldLeaf);
    // Every connection the CLI opens, counted inside it (test/helpers/tls-count-preload.mjs).
    const log = join(lab.dir, 'connections.json');
    const preload = fileURLToPath(new URL('../helpers/tls-count-preload.mjs', import.meta.url));
    const r = await runCliAsync(
      ['rollout', ...common(), '--yes', '--state-dir', join(lab.dir, 'counted-state')],
      {
        env: {
          NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${preload}`,
          CERTROLL_TEST_CONNECTIONS: log,
        },
        timeoutMs: 120_000,
      },
    );
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const seen = JSON.parse(readFileSync(log, 'utf8')) as {
      tcp: string[];
      tls: { to: string; sni: string | null; leaf: string | null }[];
    };
    for (const h of lab.hosts) {
      const port = `${h.address}:8443`;
      const tls = seen.tls.filter((t) => t.to === port);
      const named = tls.filter((t) => t.sni !== null);
      // One SSH connection for the whole command, and no handshake to the SSH server (before:
      // 5, the gate and the sweep each probing it and reading its banner).
      expect(seen.tcp.filter((t) => t === `${h.address}:${h.sshPort}`)).toHaveLength(1);
      // Before: 6 per port (the plan's capture, the gate without SNI, the run's capture,
      // verification, the sweep without SNI and with the name), plus verification's attempts
      // that met the old worker. Now 4: the gate without SNI is not asked, and the sweep takes
      // verification's handshake with the name, made moments before, as its own.
      expect(seen.tcp.filter((t) => t === port)).toHaveLength(tls.length);
      expect(tls.filter((t) => t.sni === null)).toHaveLength(1); // the sweep
      expect(named.filter((t) => t.leaf === newLeaf.sha256)).toHaveLength(1); // verification
      const retries = named.filter((t) => t.leaf !== newLeaf.sha256).length - 2; // 2 captures
      expect(retries).toBeGreaterThanOrEqual(0);
      expect(tls.length - retries).toBe(4);
    }
  }, 60_000);
});
