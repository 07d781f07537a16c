import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, servedSha256, startNginx, waitForServed, type Nginx } from '../../lab/index.js';
import { bindMismatchedKey, bindNewLeaf, newLeafRun, runStep, usePlaybookLab } from './context.js';

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
});
