import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startLab,
  type Lab,
  type LabHost,
  type LabService,
  type LabHaproxy,
  freePort,
  TestPki,
  type Issued,
  labInventoryHead,
  servedStable,
} from '../lab/index.js';
import { runCli, runCliAsync, type CliResult } from '../helpers/cli.js';

// The coverage gate through the built CLI against a lab host with three nginx TLS ports of which the
// inventory lists two: discover and the plan gate name the third; binding it lets the plan
// through, excluding it does not (it loads the bindings' certificate file, so the rollout would
// change it anyway); the rollout's sweep is clean, and fails the run when an excluded port (an
// haproxy with its own file) keeps the replaced certificate.
const NAME = 'gate.lab.test';
let lab: Lab;
let h: LabHost;
let pki: TestPki;
let root: Issued;
let leaves: Issued[];
let nginx: LabService;
let ports: number[];
let stateDir: string;

beforeAll(async () => {
  pki = TestPki.create();
  root = pki.root();
  leaves = [1, 2, 3, 4].map((i) => pki.leaf(NAME, root, { days: 50 + i }));
  lab = await startLab({ hosts: 1 });
  h = lab.hosts[0]!;
  ports = [];
  for (let i = 0; i < 4; i++) ports.push(await freePort(h.address));
  mkdirSync(join(h.dir, 'state'), { mode: 0o700 });
  stateDir = join(lab.dir, 'control-state');
  nginx = await h.nginx({
    ports: ports.slice(0, 3),
    cert: { certPath: leaves[0]!.certPath, keyPath: leaves[0]!.keyPath },
  });
}, 60_000);

afterAll(async () => {
  await lab?.stop();
  pki?.cleanup();
});

function inventory(name: string, bound: number[], exclude: number[]): string {
  const path = join(lab.dir, `${name}.yaml`);
  const params = `{ certPath: ${nginx.certPath}, keyPath: ${nginx.keyPath}, nginxBinary: /usr/sbin/nginx, nginxArgs: [-p, ${nginx.prefix}, -c, ${nginx.configPath}] }`;
  writeFileSync(
    path,
    [
      ...labInventoryHead(lab),
      '  - name: lab',
      '    hosts:',
      `      - name: ${h.name}`,
      `        address: ${h.address}`,
      `        stateDir: ${join(h.dir, 'state')}`,
      `        transport: { port: ${h.sshPort} }`,
      '        bindings:',
      ...bound.flatMap((p) => [
        `          - port: ${p}`,
        '            kind: nginx',
        `            params: ${params}`,
        `            probe: { sni: [${NAME}] }`,
      ]),
      ...(exclude.length > 0 ? ['        exclude:'] : []),
      ...exclude.map((p) => `          - { port: ${p}, reason: 'left alone on purpose' }`),
      '',
    ].join('\n'),
  );
  return path;
}

let lastRun = '';
const runJournal = (runId: string): { type: string; data: Record<string, unknown> }[] =>
  readFileSync(join(stateDir, 'runs', runId, 'journal.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> });

const bundle = (leaf: Issued) =>
  pki.write(`bundle-${leaf.sha256.slice(0, 8)}.pem`, leaf.certPem + leaf.keyPem);
// What a port settles on serving: right after a reload an old nginx worker may still answer.
const served = (port: number) => servedStable(h.address, port, NAME, [root.certPem]);
const planArgs = (inv: string, leaf: Issued) => [
  '-i',
  inv,
  '--cert',
  bundle(leaf),
  '--trust',
  root.certPath,
];

// Each test asks for the state it starts from (`given`): left so by the test before, that costs a
// probe; when the test runs alone (-t), the files are set up directly or the rollout it follows
// is run first, so every test also passes alone.
let haproxy: LabHaproxy | undefined;
const given = {
  /** The three nginx ports (one pair of files) serve `leaf`. */
  async bindingsServe(leaf: Issued): Promise<void> {
    if ((await served(ports[0]!)) === leaf.sha256) return;
    writeFileSync(nginx.certPath, leaf.certPem);
    writeFileSync(nginx.keyPath, leaf.keyPem);
    nginx.reload();
    for (const p of ports.slice(0, 3)) {
      await servedStable(h.address, p, NAME, [root.certPem], { until: leaf.sha256 });
    }
  },
  /** haproxy on the fourth port serves leaves[1]. */
  async haproxyOnFourthPort(): Promise<void> {
    haproxy ??= await h.haproxy({
      ports: [ports[3]!],
      cert: { certPath: leaves[1]!.certPath, keyPath: leaves[1]!.keyPath },
    });
  },
  /** `lastRun`: the rollout of leaves[2] below, after which the bindings serve leaves[2]. */
  async lastRun(): Promise<void> {
    if (lastRun !== '' && (await served(ports[0]!)) === leaves[2]!.sha256) return;
    await rolloutPastExcludedHaproxy();
  },
};

/**
 * Rolls leaves[2] out over bindings serving leaves[1], while haproxy on a fourth port serves the
 * certificate being replaced (leaves[1]); excluded, so the plan goes through, but the sweep
 * still finds it.
 */
async function rolloutPastExcludedHaproxy(): Promise<CliResult> {
  await given.bindingsServe(leaves[1]!);
  await given.haproxyOnFourthPort();
  const inv = inventory('haproxy', ports.slice(0, 3), [ports[3]!]);
  const r = runCli(['rollout', ...planArgs(inv, leaves[2]!), '--yes', '--state-dir', stateDir], {
    timeoutMs: 120_000,
  });
  lastRun = /^run (\S+)/m.exec(r.stderr)?.[1] ?? '';
  return r;
}

describe('discovery, the plan gate and the sweep against the lab', () => {
  it('discover names the unlisted port, prints the entry to add, and exits 1 (--old given as a prefix of what is served)', async () => {
    await given.bindingsServe(leaves[0]!);
    const inv = inventory('two', [ports[0]!, ports[1]!], []);
    const prefix = leaves[0]!.sha256.slice(0, 10).toUpperCase();
    const r = runCli(['discover', '-i', inv, '--trust', root.certPath, '--old', prefix], {
      timeoutMs: 60_000,
    });
    expect(r.code, r.stderr + r.stdout).toBe(1);
    expect(r.stdout).toMatch(
      new RegExp(`${h.address}:${ports[2]}\\s+-\\s+NOT IN INVENTORY \\(old certificate\\)`),
    );
    expect(r.stdout).toContain(`- port: ${ports[2]}\n        kind: nginx`);
    expect(r.stdout).toContain(
      `params: { certPath: "${nginx.certPath}", keyPath: "${nginx.keyPath}" }`,
    );
    expect(r.stdout).toContain(`- { port: ${ports[2]}, reason: "FILL-IN`);
    expect(r.stdout).toContain(`old certificate(s): ${leaves[0]!.sha256.slice(0, 16)}\n`);
  }, 60_000);

  it('plan fails with COVERAGE_GAP naming the third port, and nothing was modified', async () => {
    await given.bindingsServe(leaves[0]!);
    const inv = inventory('two', [ports[0]!, ports[1]!], []);
    const r = runCli(['plan', ...planArgs(inv, leaves[1]!)], { timeoutMs: 60_000 });
    expect(r.code, r.stderr + r.stdout).toBe(1);
    expect(r.stderr).toContain('[COVERAGE_GAP]');
    expect(r.stderr).toContain(`${h.name} ${h.address}:${ports[2]}`);
    expect(r.stderr).not.toContain(`${h.address}:${ports[0]} `);
    expect(r.stderr).toContain(`- port: ${ports[2]}`);
    expect(r.stderr).toContain('No host was modified.');
    expect(await served(ports[2]!)).toBe(leaves[0]!.sha256);
  }, 60_000);

  it('plan passes once the third port is a binding (an --old prefix recorded whole); excluded, it stops the plan, since it loads the bindings’ certificate file', async () => {
    await given.bindingsServe(leaves[0]!);
    const added = inventory('three', ports.slice(0, 3), []);
    const planFile = join(lab.dir, 'prefix-plan.json');
    const old = leaves[0]!.sha256.slice(0, 12);
    const planned = runCli(['plan', ...planArgs(added, leaves[1]!), '--old', old, '-o', planFile], {
      timeoutMs: 60_000,
    });
    expect(planned.code, planned.stderr).toBe(2);
    expect(JSON.parse(readFileSync(planFile, 'utf8'))).toMatchObject({
      replaces: [leaves[0]!.sha256],
    });
    const excluded = inventory('excluded', [ports[0]!, ports[1]!], [ports[2]!]);
    const r = runCli(['plan', ...planArgs(excluded, leaves[1]!)], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('[COVERAGE_GAP]');
    expect(r.stderr).toContain(
      `${h.address}:${ports[2]} is excluded, but it loads ${nginx.certPath}, the file binding ${h.name}:${ports[0]} writes`,
    );
    expect(r.stderr).toContain('No host was modified.');
  }, 60_000);

  it('rollout verifies, and the sweep finds no port left on the old certificate', async () => {
    await given.bindingsServe(leaves[0]!);
    const inv = inventory('three', ports.slice(0, 3), []);
    const r = runCli(['rollout', ...planArgs(inv, leaves[1]!), '--yes', '--state-dir', stateDir], {
      timeoutMs: 120_000,
    });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('rollout succeeded');
    expect(r.stdout).toContain('sweep: no endpoint serves the old certificate');
    // The three bound ports share one nginx and one pair of files: one unit, so one stage, one
    // bind (one reload) and one verification that proves every port.
    const steps = runJournal(/^run (\S+)/m.exec(r.stderr)![1]!)
      .filter((x) => x.type === 'step-started')
      .map((x) => x.data['step']);
    expect(steps.filter((s) => s === 'capture')).toHaveLength(1);
    expect(steps.filter((s) => s === 'stage')).toHaveLength(1);
    expect(steps.filter((s) => s === 'bind')).toHaveLength(1);
    expect(steps.filter((s) => s === 'verify')).toHaveLength(1);
    expect(r.stdout).toMatch(new RegExp(`${h.name}:${ports[0]}\\s+verified`));
    expect(r.stdout).toMatch(new RegExp(`${h.name}:${ports[1]}\\s+verified`));
    expect(await served(ports[0]!)).toBe(leaves[1]!.sha256);
    expect(await served(ports[1]!)).toBe(leaves[1]!.sha256);
  }, 120_000);

  it('a port excluded from the rollout that keeps the replaced certificate fails the run', async () => {
    const r = await rolloutPastExcludedHaproxy();
    expect(r.code, r.stderr + r.stdout).toBe(1);
    expect(r.stdout).toContain('rollout succeeded');
    expect(r.stdout).toContain('sweep: 1 endpoint(s) still serve the old certificate');
    expect(r.stdout).toContain(`${h.address}:${ports[3]}`);
    expect(r.stdout).toContain(
      `still serves ${leaves[1]!.sha256.slice(0, 16)} (excluded: left alone on purpose)`,
    );
  }, 120_000);

  it('with --old, also stops on an endpoint serving an older certificate, and the plan keeps it', async () => {
    // A port on the host serving an older certificate that no binding serves any more (served by
    // this process: the CLI runs asynchronously so that it can answer).
    await given.bindingsServe(leaves[2]!);
    await given.haproxyOnFourthPort();
    const older = await freePort(h.address);
    const server = createServer({ cert: leaves[0]!.certPem, key: leaves[0]!.keyPem });
    await new Promise<void>((r) => server.listen(older, h.address, r));
    try {
      const inv = inventory('older', ports.slice(0, 3), [ports[3]!]);
      // What the bindings serve (leaves[2], after the last rollout) is replaced; the older one is
      // not looked for.
      const without = await runCliAsync(['plan', ...planArgs(inv, leaves[3]!)], {
        timeoutMs: 60_000,
      });
      expect(without.code, without.stderr).toBe(2);
      const withOld = await runCliAsync(
        ['plan', ...planArgs(inv, leaves[3]!), '--old', leaves[0]!.sha256],
        {
          timeoutMs: 60_000,
        },
      );
      expect(withOld.code, withOld.stderr + withOld.stdout).toBe(1);
      expect(withOld.stderr).toContain('[COVERAGE_GAP]');
      expect(withOld.stderr).toContain(`${h.address}:${older}`);
      // Excluded, it goes through; the plan names what it replaces for apply's gate and sweep.
      const excluded = inventory('older-excluded', ports.slice(0, 3), [ports[3]!, older]);
      const out = join(lab.dir, 'older-plan.json');
      const r = await runCliAsync(
        ['plan', ...planArgs(excluded, leaves[3]!), '--old', leaves[0]!.sha256, '-o', out],
        { timeoutMs: 60_000 },
      );
      expect(r.code, r.stderr).toBe(2);
      expect((JSON.parse(readFileSync(out, 'utf8')) as { replaces?: string[] }).replaces).toEqual([
        leaves[0]!.sha256,
      ]);
      // Naming the new certificate as replaced is a usage error.
      const self = await runCliAsync([
        'plan',
        ...planArgs(inv, leaves[3]!),
        '--old',
        leaves[3]!.sha256,
      ]);
      expect(self.code).toBe(64);
      expect(self.stderr).toContain('--old names the certificate being rolled out');
    } finally {
      server.close();
    }
  }, 120_000);

  it('rolls the finished run back unit by unit: one restore of the shared files, each port proven', async () => {
    // The two bound ports were one unit, staged under the first binding's folder: a restore per
    // binding would look for a backup the second one never had.
    await given.lastRun();
    const r = runCli(
      ['rollback', lastRun, '--yes', '--trust', root.certPath, '--state-dir', stateDir],
      {
        timeoutMs: 120_000,
      },
    );
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${h.name}:${ports[0]}\\s+rolled-back`));
    expect(r.stdout).toMatch(new RegExp(`${h.name}:${ports[1]}\\s+rolled-back`));
    expect(await served(ports[0]!)).toBe(leaves[1]!.sha256);
    expect(await served(ports[1]!)).toBe(leaves[1]!.sha256);
  }, 120_000);
});
