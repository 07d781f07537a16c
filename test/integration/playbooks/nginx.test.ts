import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, servedSha256, startNginx, waitForServed, type Nginx } from '../../lab/index.js';
import { parseCapture } from '../../../src/playbooks/capture.js';
import { renderStep } from '../../../src/playbooks/render.js';
import {
  bindMismatchedKey,
  bindNewLeaf,
  context,
  countSteps,
  newLeafRun,
  overBudget,
  pemMaterial,
  runStep,
  usePlaybookLab,
} from './context.js';
import { execute, labTransport } from './local.js';

const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

const lab = usePlaybookLab('nginx');
let nginx: Nginx;
let port: number;
let certPath: string;
let keyPath: string;

beforeAll(async () => {
  certPath = join(lab.dir, 'site.crt');
  keyPath = join(lab.dir, 'site.key');
  writeFileSync(certPath, lab.oldLeaf.certPem + lab.chain[0]!.certPem, { mode: 0o644 });
  writeFileSync(keyPath, lab.oldLeaf.keyPem, { mode: 0o600 });
  port = await freePort();
  const server = { address: '127.0.0.1', port, cert: certPath, key: keyPath };
  nginx = await startNginx({ dir: join(lab.dir, 'nginx'), servers: [server] });
});
afterAll(async () => {
  await nginx?.stop();
});

/** The context of the nginx binding on `port` for a run, rolling out the new leaf. */
const base = (runId: string) => {
  const params = { certPath, keyPath, nginxBinary: '/usr/sbin/nginx', nginxArgs: nginx.args };
  return newLeafRun(lab, 'nginx', params, port, runId);
};

describe('nginx playbook against a real nginx', () => {
  it('serves the new certificate after bind and the old one after rollback', async () => {
    expect(await servedSha256(port)).toBe(lab.oldLeaf.sha256);
    const ctx = await bindNewLeaf(lab, base('ok-run'));
    expect(await waitForServed(port, lab.newLeaf.sha256)).toBe(lab.newLeaf.sha256);
    expect(readFileSync(certPath, 'utf8')).toBe(lab.newLeaf.certPem + lab.chain[0]!.certPem);

    await runStep(lab.playbook, 'rollback', ctx);
    expect(await waitForServed(port, lab.oldLeaf.sha256)).toBe(lab.oldLeaf.sha256);
    await runStep(lab.playbook, 'cleanup', ctx);
  });

  it('restores the old files at once when nginx -t fails during bind', async () => {
    const oldCert = sha(certPath);
    const oldKey = sha(keyPath);
    // A key that does not match the certificate: nginx -t refuses it.
    const { result: r, ctx } = await bindMismatchedKey(lab, base('bad-run'));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('nginx -t failed with the new files');
    expect(sha(certPath)).toBe(oldCert);
    expect(sha(keyPath)).toBe(oldKey);
    expect(await servedSha256(port)).toBe(lab.oldLeaf.sha256);
    await runStep(lab.playbook, 'cleanup', ctx);
  });

  // The reload command counts its runs in a file; it fails when told to, like a broken
  // `systemctl reload` would.
  function countingReload(name: string, failOn: string): { command: string; runs: () => number } {
    const log = join(lab.dir, `${name}.reloads`);
    const command =
      `echo x >> ${log}; case " ${failOn} " in *" $(wc -l < ${log}) "*) exit 9;; esac; ` +
      `/usr/sbin/nginx ${nginx.args.join(' ')} -s reload`;
    const runs = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').length - 1 : 0);
    return { command, runs };
  }

  it('does not reload, or report a failed reload, when nginx -t fails before any reload', async () => {
    const before = { cert: readFileSync(certPath), key: readFileSync(keyPath) };
    const reload = countingReload('t-fails', '1 2 3');
    const params = {
      certPath,
      keyPath,
      nginxBinary: '/usr/sbin/nginx',
      nginxArgs: nginx.args,
      reloadCommand: reload.command,
    };
    // The new certificate with the old key: nginx -t refuses it, before any reload.
    const { result: r, ctx } = await bindMismatchedKey(
      lab,
      newLeafRun(lab, 'nginx', params, port, 'no-reload'),
    );
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('nginx -t failed with the new files');
    expect(r.stderr).toContain(
      'the running nginx was not reloaded; it still serves the previous files',
    );
    expect(r.stderr).not.toContain('reload after restoring failed');
    expect(reload.runs()).toBe(0);
    expect(readFileSync(certPath)).toEqual(before.cert);
    expect(readFileSync(keyPath)).toEqual(before.key);
    expect(await servedSha256(port)).toBe(lab.oldLeaf.sha256);
    await runStep(lab.playbook, 'cleanup', ctx);
  });

  it('reloads the restored files when the reload of the new ones had started and failed', async () => {
    const before = readFileSync(certPath);
    const reload = countingReload('reload-fails', '1');
    const params = {
      certPath,
      keyPath,
      nginxBinary: '/usr/sbin/nginx',
      nginxArgs: nginx.args,
      reloadCommand: reload.command,
    };
    const base = newLeafRun(lab, 'nginx', params, port, 'reload-fails');
    const captured = parseCapture(await runStep(lab.playbook, 'capture', context(base)), {
      host: 'lab',
      kind: 'nginx',
    });
    const ctx = context({ ...base, captured, material: pemMaterial(lab.newLeaf, lab.chain) });
    await runStep(lab.playbook, 'stage', ctx);
    const r = await execute(labTransport(), renderStep(lab.playbook, 'bind', ctx));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('the reload failed');
    expect(r.stderr).toContain('nginx reloaded with the previous files');
    expect(reload.runs()).toBe(2);
    expect(readFileSync(certPath)).toEqual(before);
    expect(await waitForServed(port, lab.oldLeaf.sha256)).toBe(lab.oldLeaf.sha256);
    await runStep(lab.playbook, 'cleanup', ctx);
  });

  // Every process a step starts costs the host CPU (~4 ms, more inside `$(...)`), at every
  // binding of every host: the steps use shell builtins where they can, one command for several
  // files, and the captured owner. Before that, a binding with certificate and key took:
  // preflight 4, capture 13, stage 11, bind 19, rollback 19, cleanup 2 (the shell included).
  it('starts no more processes per step than its budget for a binding with certificate and key', async () => {
    const budget = { preflight: 2, capture: 3, stage: 7, bind: 7, rollback: 9, cleanup: 2 };
    const counts = await countSteps(lab.playbook, base('counted'), lab.newLeaf, lab.chain);
    expect(await waitForServed(port, lab.oldLeaf.sha256)).toBe(lab.oldLeaf.sha256);
    expect(overBudget(counts, budget)).toEqual([]);
  });
});
