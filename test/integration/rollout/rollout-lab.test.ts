import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../../src/probe/probe.js';
import { probeVerifier } from '../../../src/probe/verifier.js';
import { rolloutRef } from '../../../src/workflow/ref.js';
import {
  type Binding,
  type Host,
  type Inventory,
  type RolloutPolicy,
} from '../../../src/inventory/model.js';
import { Journal, readJournal, RunRecorder } from '../../../src/journal/index.js';
import { loadPlaybooks } from '../../../src/playbooks/index.js';
import { createTransport } from '../../../src/transport/factory.js';
import { createRolloutSteps, journaled, runRollout } from '../../../src/workflow/index.js';
import {
  nginxParams,
  startLab,
  type Lab,
  type LabHost,
  type LabService,
  servedStable,
  TestPki,
  type Issued,
} from '../../lab/index.js';

// The rollout end to end over real SSH to two lab hosts, each with a real nginx: bind, probe sees
// the new certificate; and a host whose reload silently does nothing is rolled back, with the old
// certificate proven again on the wire.
const NAME = 'www.lab.test';
let lab: Lab;
let pki: TestPki;
let root: Issued;
let intermediate: Issued;
let oldLeaf: Issued;
let newLeaf: Issued;
const services: LabService[] = [];
const work = mkdtempSync(join(tmpdir(), 'certroll-rollout-'));

beforeAll(async () => {
  pki = TestPki.create();
  root = pki.root();
  intermediate = pki.issue({ cn: 'lab intermediate', isCa: true, days: 365 }, root);
  oldLeaf = pki.issue({ cn: NAME, sans: [NAME], days: 20 }, intermediate);
  newLeaf = pki.issue({ cn: NAME, sans: [NAME], days: 200 }, intermediate);
  // Namespaced hosts (each its own network and PID namespaces, as a real host): the playbooks'
  // nginx -t and reload run in there, against the pid in nginx's pid file.
  lab = await startLab({ hosts: 2, isolation: 'netns' });
  // Lab hosts share this machine's filesystem: each gets its own state folder.
  for (const h of lab.hosts) mkdirSync(join(h.dir, 'state'), { mode: 0o700 });
  for (const h of lab.hosts)
    services.push(
      await h.nginx({
        ports: [8443],
        cert: { certPath: oldLeaf.certPath, keyPath: oldLeaf.keyPath },
      }),
    );
}, 60_000);

afterAll(async () => {
  await lab?.stop();
  pki?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

function inventory(
  brokenReloadOn?: string,
  policy: Partial<RolloutPolicy> = {},
  extra: (i: number) => Record<string, unknown> = () => ({}),
): Inventory {
  const hosts: Host[] = lab.hosts.map((h, i) => {
    const svc = services[i]!;
    const binding: Binding = {
      id: `${h.name}:8443`,
      port: 8443,
      kind: 'nginx',
      params: {
        certPath: svc.certPath,
        keyPath: svc.keyPath,
        nginxBinary: '/usr/sbin/nginx',
        nginxArgs: ['-p', svc.prefix, '-c', svc.configPath],
        ...(h.name === brokenReloadOn ? { reloadCommand: 'true' } : {}),
        ...extra(i),
      },
      probe: { address: h.address, port: 8443, sni: [NAME] },
      origin: {},
    };
    return { ...h.host, bindings: [binding] };
  });
  return {
    source: 'lab',
    digest: '0'.repeat(64),
    playbookDirs: [],
    environments: [
      {
        name: 'lab',
        policy: {
          canary: [],
          batchSize: 10,
          concurrency: 2,
          failureBudget: 1,
          onFailure: 'halt',
          approval: false,
          soakMs: 0,
          coldStartCheck: false,
          ...policy,
        },
        hosts,
        origin: {},
      },
    ],
  };
}

async function rollout(inv: Inventory, runId: string, leaf: Issued = newLeaf, on: Lab = lab) {
  const playbooks = loadPlaybooks();
  const ref = rolloutRef(runId, inv, (k) => playbooks.get(k));
  const journalPath = join(work, `${runId}.jsonl`);
  const journal = Journal.create(journalPath, { runId });
  const steps = createRolloutSteps({
    runId,
    inventory: inv,
    playbooks,
    cert: { sha256: leaf.sha256, thumbprint: leaf.thumbprint },
    material: () => ({
      kind: 'pem',
      certPem: leaf.certPem,
      chainPem: intermediate.certPem,
      keyPem: leaf.keyPem,
    }),
    transportFor: (h) => createTransport(h),
    // Lab hosts share this machine's filesystem: each gets its own state folder.
    stateDirFor: (h) => join(on.hosts.find((l) => l.name === h.name)!.dir, 'state'),
    // Long enough for a loaded machine to prove a working host; a broken one fails at the deadline.
    verifier: probeVerifier({ probe, trust: [root.certPem], deadlineMs: 6000, timeoutMs: 2000 }),
  });
  const recorder = new RunRecorder(journal, join(work, `${runId}.snapshot.json`));
  const output = await runRollout({
    ref,
    steps: journaled(steps, recorder),
    snapshots: recorder,
  });
  recorder.close();
  return { output, journal: readJournal(journalPath).records };
}

/** Files left in a host's state folder other than the kept backups of the previous files. */
function leftovers(hostDir: string): string[] {
  const state = join(hostDir, 'state');
  const files = readdirSync(state, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() || e.name === 'certroll.lock')
    .map((e) => join(e.parentPath, e.name).slice(state.length + 1));
  return files.filter((f) => !/^certroll-[^/]+\/[^/]+\/backup\/(cert|key|chain)$/.test(f));
}

const served = (address: string) => servedStable(address, 8443, NAME, [root.certPem]);

describe('a rollout over SSH to real nginx hosts', () => {
  it('rolls back a host whose reload does nothing, proving the old certificate, and verifies the other', async () => {
    const broken = lab.hosts[1]!;
    const { output, journal } = await rollout(inventory(broken.name), 'lab-run-1');
    const hosts = output.environments[0]!.hosts;
    expect(hosts[lab.hosts[0]!.name]?.status).toBe('verified');
    expect(hosts[broken.name]).toMatchObject({
      status: 'rolled-back',
      error: { code: 'PROBE_FAILED' },
    });
    expect(hosts[broken.name]?.bindings[`${broken.name}:8443`]).toMatchObject({
      status: 'rolled-back',
      observed: oldLeaf.sha256,
    });
    expect(await served(lab.hosts[0]!.address)).toBe(newLeaf.sha256);
    expect(await served(broken.address)).toBe(oldLeaf.sha256);
    // The file on disk was restored too, not just the served certificate.
    expect(readFileSync(services[1]!.certPath, 'utf8')).toBe(
      readFileSync(oldLeaf.certPath, 'utf8'),
    );
    // After the failure too, no staged key and no host lock remain on either host.
    for (const h of lab.hosts) expect(leftovers(h.dir)).toEqual([]);
    expect(output.status).toBe('failed');
    const steps = journal
      .filter((r) => r.type === 'step-finished')
      .map((r) => `${r.data['step'] as string} ${r.data['host'] as string}`);
    expect(steps).toContain(`rollback ${broken.name}`);
    expect(steps).toContain(`verifyRollback ${broken.name}`);
  }, 90_000);

  it('then verifies every host once the reload works, and leaves no staged key or lock behind', async () => {
    const { output } = await rollout(inventory(), 'lab-run-2');
    expect(output.status).toBe('succeeded');
    for (const h of lab.hosts) expect(await served(h.address)).toBe(newLeaf.sha256);
    const first = output.environments[0]!.hosts[lab.hosts[0]!.name]!;
    expect(first.bindings[`${lab.hosts[0]!.name}:8443`]?.status).toBe('skipped');
    for (const h of lab.hosts) expect(leftovers(h.dir)).toEqual([]);
  }, 90_000);

  it('stops the environment when a failure spends its budget, starting no further host', async () => {
    const next = pki.issue({ cn: NAME, sans: [NAME], days: 300 }, intermediate);
    const [first, second] = lab.hosts as [LabHost, LabHost];
    const inv = inventory(first.name, { concurrency: 1, batchSize: 1, failureBudget: 0 });
    const { output } = await rollout(inv, 'lab-run-3', next);
    const env = output.environments[0]!;
    expect(env.status).toBe('failed');
    expect(env.reason).toContain('failure budget of 0 exceeded');
    expect(env.hosts[first.name]?.status).toBe('rolled-back');
    expect(env.notStarted).toEqual([second.name]);
    // The first host is back on what it served before; the second was never touched.
    for (const h of lab.hosts) expect(await served(h.address)).toBe(newLeaf.sha256);
  }, 90_000);

  it('restarts each service with the cold-start check and rolls back one that reverts on restart', async () => {
    const next = pki.issue({ cn: NAME, sans: [NAME], days: 320 }, intermediate);
    const [first, second] = lab.hosts as [LabHost, LabHost];
    // On the second host, "restarting" puts the previous files back, as configuration management
    // or a stale copy in a service's start script would: the new certificate works until the
    // next restart only. (A reload is asynchronous; the sleep makes it behave like a restart,
    // which returns once the service is up again.)
    const revert = (i: number) =>
      `cp ${join(work, 'prev.crt')} ${services[i]!.certPath} && cp ${join(work, 'prev.key')} ${services[i]!.keyPath} && ${services[i]!.reloadCommand} && sleep 1`;
    writeFileSync(join(work, 'prev.crt'), readFileSync(services[1]!.certPath));
    writeFileSync(join(work, 'prev.key'), readFileSync(services[1]!.keyPath));
    const inv = inventory(undefined, { coldStartCheck: true }, (i) => ({
      restartCommand: i === 0 ? services[0]!.reloadCommand : revert(1),
    }));
    const { output, journal } = await rollout(inv, 'lab-run-4', next);
    const hosts = output.environments[0]!.hosts;
    expect(hosts[first.name]?.status).toBe('verified');
    expect(hosts[second.name]?.status).toBe('rolled-back');
    expect(hosts[second.name]?.error?.message).toContain('after a restart (cold-start check)');
    expect(await served(first.address)).toBe(next.sha256);
    expect(await served(second.address)).toBe(newLeaf.sha256);
    const restarts = journal.filter(
      (r) => r.type === 'step-finished' && r.data['step'] === 'restart',
    );
    expect(restarts.map((r) => r.data['host']).sort()).toEqual([first.name, second.name]);
  }, 90_000);

  it('rolls back the hosts an environment completed when its policy says so, proving each', async () => {
    const before = await served(lab.hosts[0]!.address);
    const beforeSecond = await served(lab.hosts[1]!.address);
    const next = pki.issue({ cn: NAME, sans: [NAME], days: 330 }, intermediate);
    const [first, second] = lab.hosts as [LabHost, LabHost];
    const inv = inventory(second.name, {
      concurrency: 1,
      batchSize: 1,
      failureBudget: 0,
      onFailure: 'rollback-environment',
    });
    const { output, journal } = await rollout(inv, 'lab-run-5', next);
    const env = output.environments[0]!;
    expect(env.status).toBe('rolled-back');
    expect(env.hosts[first.name]?.status).toBe('rolled-back');
    expect(env.hosts[first.name]?.bindings[`${first.name}:8443`]).toMatchObject({
      status: 'rolled-back',
      observed: before,
    });
    expect(env.hosts[second.name]?.status).toBe('rolled-back');
    expect(await served(first.address)).toBe(before);
    expect(await served(second.address)).toBe(beforeSecond);
    expect(
      journal.some((r) => r.type === 'step-finished' && r.data['step'] === 'rollbackHost'),
    ).toBe(true);
  }, 90_000);
});

describe('a rollback judged by the probe, not by its command', () => {
  it('reports rolled-back when the rollback command fails but the port serves the previous certificate', async () => {
    const [first, second] = lab.hosts as [LabHost, LabHost];
    const before = await served(second.address);
    const next = pki.issue({ cn: NAME, sans: [NAME], days: 340 }, intermediate);
    // The second host's reload is refused every time: the new files are never loaded, so the
    // port keeps the previous certificate while both bind and rollback exit non-zero.
    const inv = inventory(undefined, {}, (i) =>
      i === 1 ? { reloadCommand: 'echo "reload refused by the unit" >&2; exit 3' } : {},
    );
    const { output, journal } = await rollout(inv, 'lab-run-6', next);
    const host = output.environments[0]!.hosts[second.name]!;
    const outcome = host.bindings[`${second.name}:8443`];
    expect(outcome).toMatchObject({ status: 'rolled-back', observed: before });
    expect(outcome?.reason).toContain('the rollback reported');
    expect(outcome?.reason).toContain('reload refused by the unit');
    expect(host.status).toBe('rolled-back');
    expect(await served(second.address)).toBe(before);
    expect(await served(first.address)).toBe(next.sha256);
    const failed = journal.filter((r) => r.type === 'step-failed').map((r) => r.data['step']);
    expect(failed).toContain('rollback');
    // The probe ran after the failed command, and proved the previous certificate.
    const proof = journal.find(
      (r) => r.type === 'step-finished' && r.data['step'] === 'verifyRollback',
    );
    expect(proof?.data).toMatchObject({ ok: true, observed: before });
  }, 90_000);

  it('judges an environment rollback of a finished host the same way', async () => {
    const [first, second] = lab.hosts as [LabHost, LabHost];
    const before = await served(first.address);
    const next = pki.issue({ cn: NAME, sans: [NAME], days: 350 }, intermediate);
    const mark = join(work, 'reloaded-once');
    rmSync(mark, { force: true });
    // The first host's reload works, and from the second time on also reports a failure after
    // reloading (a post-reload hook that fails): its rollback restores and reloads, yet exits 3.
    const flaky = `${services[0]!.reloadCommand} && if [ -e ${mark} ]; then echo "post-reload hook failed" >&2; exit 3; fi; touch ${mark}`;
    const inv = inventory(
      second.name,
      { concurrency: 1, batchSize: 1, failureBudget: 0, onFailure: 'rollback-environment' },
      (i) => (i === 0 ? { reloadCommand: flaky } : {}),
    );
    const { output } = await rollout(inv, 'lab-run-7', next);
    const env = output.environments[0]!;
    expect(env.status).toBe('rolled-back');
    const outcome = env.hosts[first.name]?.bindings[`${first.name}:8443`];
    expect(outcome).toMatchObject({ status: 'rolled-back', observed: before });
    expect(outcome?.reason).toContain('post-reload hook failed');
    expect(env.hosts[first.name]?.status).toBe('rolled-back');
    expect(await served(first.address)).toBe(before);
  }, 90_000);
});

describe('a rollout across a slow, lossy network', () => {
  it('proves or rolls back every port at 150 ms round trips with connections cut mid-handshake, doing each change once', async () => {
    // Each host's relay cuts its first connection (the SSH connect, after sshd's banner) and its
    // third (the first probe after the bind, after the ServerHello), and a tenth of the rest:
    // with seed 3, the first host's 4th connection and the second's 5th (both probes), not the
    // SSH connect's second attempt (a third cut in a row would leave the host unreachable).
    const slow = await startLab({
      hosts: 2,
      latency: { oneWayMs: 75, jitterMs: 5, cutConnections: [1, 3], cut: 0.1, seed: 3 },
    });
    try {
      const [good, broken] = slow.hosts as [LabHost, LabHost];
      const reloads = (h: LabHost): number =>
        readFileSync(join(h.dir, 'reloads'), 'utf8').split('\n').length - 1;
      const hosts: Host[] = [];
      for (const h of slow.hosts) {
        mkdirSync(join(h.dir, 'state'), { mode: 0o700 });
        const svc = await h.nginx({
          ports: [8443, 9443],
          cert: { certPath: oldLeaf.certPath, keyPath: oldLeaf.keyPath },
        });
        // Every reload is counted; the broken host's reload does nothing else.
        const reload = `echo >> ${join(h.dir, 'reloads')}${h === broken ? '' : ` && ${svc.reloadCommand}`}`;
        const bindings: Binding[] = svc.ports.map((port) => ({
          id: `${h.name}:${port}`,
          port,
          kind: 'nginx',
          params: { ...nginxParams(svc), reloadCommand: reload },
          probe: { address: h.address, port, sni: [NAME] },
          origin: {},
        }));
        hosts.push({ ...h.host, bindings });
      }
      const inv = inventory();
      const slowInv: Inventory = {
        ...inv,
        environments: [{ ...inv.environments[0]!, hosts }],
      };
      const { output, journal } = await rollout(slowInv, 'slow-run-1', newLeaf, slow);
      const env = output.environments[0]!;
      expect(env.hosts[good.name]?.status).toBe('verified');
      expect(env.hosts[broken.name]?.status).toBe('rolled-back');
      for (const port of [8443, 9443]) {
        expect(env.hosts[good.name]?.bindings[`${good.name}:${port}`]).toMatchObject({
          status: 'verified',
          observed: newLeaf.sha256,
        });
        expect(env.hosts[broken.name]?.bindings[`${broken.name}:${port}`]).toMatchObject({
          status: 'rolled-back',
          observed: oldLeaf.sha256,
        });
        const on = (h: LabHost) => servedStable(h.address, port, NAME, [root.certPem]);
        expect(await on(good)).toBe(newLeaf.sha256);
        expect(await on(broken)).toBe(oldLeaf.sha256);
      }
      // The cuts happened: the SSH connect was attempted again, and once only.
      for (const h of slow.hosts) {
        const stats = h.relay!.stats();
        expect(stats.cut).toBeGreaterThanOrEqual(2);
        expect(stats.ports[h.sshPort]).toMatchObject({ connections: 2, cut: 1 });
      }
      // No change made twice: each step once per host and unit in the journal, and the reloads
      // on each host the ones it records (bind; bind and rollback).
      const started = journal
        .filter((r) => r.type === 'step-started')
        .map(
          (r) =>
            `${r.data['step'] as string} ${r.data['host'] as string} ${(r.data['binding'] as string | undefined) ?? ''}`,
        );
      expect(started.length).toBeGreaterThan(10);
      expect(new Set(started).size).toBe(started.length);
      expect(started).toContain(`rollback ${broken.name} ${broken.name}:8443`);
      expect(reloads(good)).toBe(1);
      expect(reloads(broken)).toBe(2);
    } finally {
      await slow.stop();
    }
  }, 30_000);
});
