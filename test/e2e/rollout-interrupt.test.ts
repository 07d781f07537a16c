// Ctrl-C during `certroll rollout` against the lab, with a real SIGINT: the host under way
// finishes and is proven, no other host starts, the run ends `interrupted` (exit 130) with its
// locks released, and nothing is half done. Real sshd, nginx, openssl-made certificates.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startLab,
  type Lab,
  nginxOnEveryHost,
  renewalPki,
  type RenewalPki,
  writeLabInventory,
  servedStable,
} from '../lab/index.js';
import { BIN, runCli } from '../helpers/cli.js';

const NAME = 'www.lab.test';
let lab: Lab;
let r: RenewalPki;
let inventoryPath: string;
let stateDir: string;

beforeAll(async () => {
  r = renewalPki(NAME);
  lab = await startLab({ hosts: 3 });
  stateDir = join(lab.dir, 'control-state');
  const { hostsYaml: hosts } = await nginxOnEveryHost(lab, r.oldLeaf, NAME);
  inventoryPath = writeLabInventory(lab, [{ name: 'prod', policy: '{ concurrency: 1 }', hosts }]);
}, 60_000);

afterAll(async () => {
  await lab?.stop();
  r?.pki.cleanup();
});

const served = (address: string) => servedStable(address, 8443, NAME, [r.root.certPem]);

describe('Ctrl-C during certroll rollout', () => {
  it('lets the host under way finish, starts no other, and ends interrupted with exit 130', async () => {
    const [first, second, third] = lab.hosts;
    const child = spawn(
      process.execPath,
      [
        BIN,
        'rollout',
        ...['-i', inventoryPath, '--cert', r.bundlePath, '--trust', r.root.certPath],
        ...['--yes', '--state-dir', stateDir],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    );
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // The first host has connected (in the run, not the plan): interrupt now.
      if (!sent && /run \S+ \(/.test(stderr) && stderr.includes(`${first!.name}: connect done`)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    const code = await new Promise<number | null>((res) => child.on('close', res));
    clearTimeout(timer);
    expect(sent, stderr).toBe(true);
    expect(code, stderr + stdout).toBe(130);
    expect(stderr).toContain('Ctrl-C: stopping run');
    expect(stdout).toMatch(
      /rollout interrupted: environment prod interrupted: interrupted by the operator; 2 host\(s\) not started/,
    );
    expect(stdout).toContain(`hosts not started in prod: ${second!.name}, ${third!.name}`);
    expect(stdout).toContain('No sweep: the run was interrupted.');
    // The host under way finished and is proven; the others were never touched.
    expect(await served(first!.address)).toBe(r.newLeaf.sha256);
    expect(await served(second!.address)).toBe(r.oldLeaf.sha256);
    expect(await served(third!.address)).toBe(r.oldLeaf.sha256);
    // No lock left, on the hosts or for the environment; the run is listed as interrupted.
    for (const h of lab.hosts)
      expect(existsSync(join(h.dir, 'state', 'certroll.lock'))).toBe(false);
    const runs = runCli(['runs', '--state-dir', stateDir]);
    expect(runs.stdout).toMatch(/ {2}interrupted/);
    expect(runs.stdout).not.toContain('lock ');
    // It stopped cleanly: nothing to resume; the hint says how to finish.
    const runId = /run (\S+) \(/.exec(stderr)?.[1] ?? '';
    const resume = runCli(['resume', runId, '--yes', '--state-dir', stateDir]);
    expect(resume.code).toBe(64);
    expect(resume.stderr).toContain('already finished (interrupted: it stopped cleanly)');
    expect(resume.stderr).toContain('Plan and roll out again to finish');
    // Planning again finds the first host current and the other two to change.
    const plan = runCli(
      ['plan', '-i', inventoryPath, '--cert', r.bundlePath, '--trust', r.root.certPath],
      {
        timeoutMs: 60_000,
      },
    );
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stdout).toContain('2 binding(s) to change, 1 already current.');
  }, 120_000);

  it('rolls back host by host: Ctrl-C lets the host under way finish, and a second rollback does the rest once', async () => {
    const [first, second, third] = lab.hosts;
    // Finish the rollout: the two hosts left change, the first is already current.
    const done = runCli(
      [
        'rollout',
        '-i',
        inventoryPath,
        '--cert',
        r.bundlePath,
        '--trust',
        r.root.certPath,
        '--yes',
        '--state-dir',
        stateDir,
      ],
      { timeoutMs: 90_000 },
    );
    expect(done.code, done.stderr + done.stdout).toBe(0);
    const runId = /run (\S+) \(/.exec(done.stderr)?.[1] ?? '';
    for (const h of lab.hosts) expect(await served(h.address)).toBe(r.newLeaf.sha256);

    // Roll it back, with Ctrl-C as soon as the rollback has started.
    const journalPath = join(stateDir, 'runs', runId, 'journal.jsonl');
    const child = spawn(
      process.execPath,
      [BIN, 'rollback', runId, '--yes', '--trust', r.root.certPath, '--state-dir', stateDir],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const watch = setInterval(() => {
      if (readFileSync(journalPath, 'utf8').includes('"rollback-started"')) {
        clearInterval(watch);
        child.kill('SIGINT');
      }
    }, 10);
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    const code = await new Promise<number | null>((res) => child.on('close', res));
    clearTimeout(timer);
    clearInterval(watch);
    expect(code, stderr + stdout).toBe(130);
    expect(stderr).toContain(`Ctrl-C: stopping the rollback of run ${runId}`);
    // Newest first: the run finished the third host last, so it goes first.
    expect(stdout).toContain(
      `rollback interrupted: interrupted by the operator; not rolled back: ${second!.name}`,
    );
    expect(await served(third!.address)).toBe(r.oldLeaf.sha256);
    expect(await served(second!.address)).toBe(r.newLeaf.sha256);
    expect(await served(first!.address)).toBe(r.newLeaf.sha256); // not this run's

    // Again: only the host left is rolled back (the other's backups were purged with it).
    const again = runCli(
      ['rollback', runId, '--yes', '--trust', r.root.certPath, '--state-dir', stateDir],
      {
        timeoutMs: 60_000,
      },
    );
    expect(again.code, again.stderr + again.stdout).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`${second!.name} .*rolled-back`));
    expect(again.stdout).not.toContain(third!.name);
    expect(await served(second!.address)).toBe(r.oldLeaf.sha256);
    const once = runCli(['rollback', runId, '--state-dir', stateDir]);
    expect(once.code).toBe(0);
    expect(once.stdout).toContain('every selected host was rolled back by an earlier rollback');
  }, 180_000);
});
