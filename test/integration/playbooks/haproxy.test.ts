import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  servedSha256,
  startHaproxy,
  waitForServed,
  type Haproxy,
} from '../../lab/index.js';
import {
  bindMismatchedKey,
  bindNewLeaf,
  countSteps,
  newLeafRun,
  overBudget,
  runStep,
  usePlaybookLab,
} from './context.js';

const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

const lab = usePlaybookLab('haproxy');
let haproxy: Haproxy;
let port: number;
let crtPath: string;

/** haproxy in `dir` terminating TLS with the old leaf (and chain, and key) on a free port. */
async function haproxyWithOldLeaf(
  dir: string,
  masterWorker = false,
): Promise<{ haproxy: Haproxy; port: number; crtPath: string }> {
  const crt = join(dir, 'site.pem');
  writeFileSync(crt, lab.oldLeaf.certPem + lab.chain[0]!.certPem + lab.oldLeaf.keyPem, {
    mode: 0o600,
  });
  const p = await freePort();
  const frontends = [{ address: '127.0.0.1', port: p, crt }];
  return { haproxy: await startHaproxy({ dir, frontends, masterWorker }), port: p, crtPath: crt };
}

beforeAll(async () => {
  ({ haproxy, port, crtPath } = await haproxyWithOldLeaf(lab.dir));
});
afterAll(async () => {
  await haproxy?.stop();
});

/** The context of the haproxy binding on `port` (runtime API) for a run of the new leaf. */
const base = (runId: string) => {
  const { configPath, statsSocket } = haproxy;
  const params = { crtPath, configPath, haproxyBinary: '/usr/sbin/haproxy', statsSocket };
  return newLeafRun(lab, 'haproxy', params, port, runId);
};

describe('haproxy playbook against a real haproxy (runtime API over the stats socket)', () => {
  it('swaps the certificate in memory and on disk, and rolls back to the old one', async () => {
    expect(await servedSha256(port)).toBe(lab.oldLeaf.sha256);
    const oldSha = sha(crtPath);
    const ctx = await bindNewLeaf(lab, base('ok-run'));
    expect(await waitForServed(port, lab.newLeaf.sha256)).toBe(lab.newLeaf.sha256);
    expect(readFileSync(crtPath, 'utf8')).toBe(
      lab.newLeaf.certPem + lab.chain[0]!.certPem + lab.newLeaf.keyPem,
    );

    await runStep(lab.playbook, 'rollback', ctx);
    expect(await waitForServed(port, lab.oldLeaf.sha256)).toBe(lab.oldLeaf.sha256);
    expect(sha(crtPath)).toBe(oldSha);
    await runStep(lab.playbook, 'cleanup', ctx);
  });

  it('restores the old file at once when haproxy -c rejects the new one', async () => {
    const oldSha = sha(crtPath);
    const { result: r, ctx } = await bindMismatchedKey(lab, base('bad-run'));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('haproxy -c failed with the new file');
    expect(sha(crtPath)).toBe(oldSha);
    expect(await servedSha256(port)).toBe(lab.oldLeaf.sha256);
    await runStep(lab.playbook, 'cleanup', ctx);
  });

  // What each step costs the host in processes (see the same test of the nginx playbook).
  // Before the steps were trimmed: preflight 3, capture 7, stage 6, bind 18, rollback 18,
  // cleanup 2 (the shell included).
  it('starts no more processes per step than its budget', async () => {
    const counts = await countSteps(lab.playbook, base('counted'), lab.newLeaf, lab.chain);
    expect(await waitForServed(port, lab.oldLeaf.sha256)).toBe(lab.oldLeaf.sha256);
    const budget = { preflight: 2, capture: 3, stage: 4, bind: 10, rollback: 11, cleanup: 2 };
    expect(overBudget(counts, budget)).toEqual([]);
  });
});

describe('haproxy playbook with a reload command instead of the runtime API', () => {
  let dir2: string;
  let hap: Haproxy;
  let port2: number;
  let crt2: string;

  beforeAll(async () => {
    dir2 = mkdtempSync(join(tmpdir(), 'certroll-haproxy-reload-'));
    ({ haproxy: hap, port: port2, crtPath: crt2 } = await haproxyWithOldLeaf(dir2, true));
  });
  afterAll(async () => {
    await hap?.stop();
    rmSync(dir2, { recursive: true, force: true });
  });

  it('reloads haproxy to serve the new certificate, and again for the rollback', async () => {
    const params = {
      crtPath: crt2,
      configPath: hap.configPath,
      haproxyBinary: '/usr/sbin/haproxy',
      reloadCommand: `kill -USR2 ${hap.pid}`,
    };
    const base = { kind: 'haproxy', params, stateDir: dir2, leaf: lab.newLeaf, port: port2 };
    const ctx = await bindNewLeaf(lab, base);
    expect(await waitForServed(port2, lab.newLeaf.sha256)).toBe(lab.newLeaf.sha256);
    await runStep(lab.playbook, 'rollback', ctx);
    expect(await waitForServed(port2, lab.oldLeaf.sha256)).toBe(lab.oldLeaf.sha256);
    await runStep(lab.playbook, 'cleanup', ctx);
  });

  it('neither reloads nor reports a failed reload when haproxy -c fails before any reload', async () => {
    const before = readFileSync(crt2);
    const log = join(dir2, 'reloads.log');
    // A reload command that would fail: any run of it is recorded.
    const params = {
      crtPath: crt2,
      configPath: hap.configPath,
      haproxyBinary: '/usr/sbin/haproxy',
      reloadCommand: `echo x >> ${log}; exit 9`,
    };
    // The new certificate with the old key: haproxy -c refuses it, before any reload.
    const base = { kind: 'haproxy', params, stateDir: dir2, leaf: lab.newLeaf, port: port2 };
    const { result: r, ctx } = await bindMismatchedKey(lab, base);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('haproxy -c failed with the new file');
    expect(r.stderr).toContain(
      'the running haproxy was not updated or reloaded; it still serves the previous certificate',
    );
    expect(r.stderr).not.toContain('activating the previous file failed');
    expect(existsSync(log)).toBe(false);
    expect(readFileSync(crt2)).toEqual(before);
    expect(await servedSha256(port2)).toBe(lab.oldLeaf.sha256);
    await runStep(lab.playbook, 'cleanup', ctx);
  });
});
