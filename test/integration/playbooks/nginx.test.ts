import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCapture } from '../../../src/playbooks/capture.js';
import { loadPlaybooks } from '../../../src/playbooks/load.js';
import { renderStep, type RenderContext } from '../../../src/playbooks/render.js';
import { type Playbook, type StepName } from '../../../src/playbooks/schema.js';
import { TestPki, type Issued } from '../../helpers/pki.js';
import { context, pemMaterial } from './context.js';
import { startNginx, type Daemon } from './daemons.js';
import { execute, freePort, labTransport, servedSha256, waitForServed } from './local.js';

const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

let pki: TestPki;
let dir: string;
let oldLeaf: Issued;
let newLeaf: Issued;
let chain: Issued[];
let playbook: Playbook;
let nginx: Daemon & { args: string[] };
let port: number;
let certPath: string;
let keyPath: string;

beforeAll(async () => {
  pki = TestPki.create();
  const c = pki.chain(['localhost'], { key: { type: 'ec', curve: 'prime256v1' } });
  newLeaf = c.leaf;
  chain = [c.intermediate];
  oldLeaf = pki.issue(
    { cn: 'localhost', sans: ['localhost'], key: { type: 'ec', curve: 'prime256v1' } },
    c.intermediate,
  );
  dir = mkdtempSync(join(tmpdir(), 'certroll-nginx-'));
  certPath = join(dir, 'site.crt');
  keyPath = join(dir, 'site.key');
  writeFileSync(certPath, oldLeaf.certPem + c.intermediate.certPem, { mode: 0o644 });
  writeFileSync(keyPath, oldLeaf.keyPem, { mode: 0o600 });
  port = await freePort();
  nginx = await startNginx(dir, port, certPath, keyPath);
  playbook = loadPlaybooks().get('nginx');
});
afterAll(async () => {
  await nginx?.stop();
  pki.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function step(name: StepName, ctx: RenderContext): Promise<string> {
  const r = await execute(labTransport(), renderStep(playbook, name, ctx));
  expect(r.exitCode, `${name} failed: ${r.stderr}`).toBe(0);
  return r.stdout;
}

describe('nginx playbook against a real nginx', () => {
  it('serves the new certificate after bind and the old one after rollback', async () => {
    expect(await servedSha256(port)).toBe(oldLeaf.sha256);
    const params = { certPath, keyPath, nginxBinary: '/usr/sbin/nginx', nginxArgs: nginx.args };
    const base = { kind: 'nginx', params, stateDir: dir, leaf: newLeaf, port, runId: 'ok-run' };
    await step('preflight', context(base));
    const captured = parseCapture(await step('capture', context(base)), {
      host: 'lab',
      kind: 'nginx',
    });
    const ctx = context({ ...base, captured, material: pemMaterial(newLeaf, chain) });
    await step('stage', ctx);
    await step('bind', ctx);
    expect(await waitForServed(port, newLeaf.sha256)).toBe(newLeaf.sha256);
    expect(readFileSync(certPath, 'utf8')).toBe(newLeaf.certPem + chain[0]!.certPem);

    await step('rollback', ctx);
    expect(await waitForServed(port, oldLeaf.sha256)).toBe(oldLeaf.sha256);
    await step('cleanup', ctx);
  });

  it('restores the old files at once when nginx -t fails during bind', async () => {
    const oldCert = sha(certPath);
    const oldKey = sha(keyPath);
    const params = { certPath, keyPath, nginxBinary: '/usr/sbin/nginx', nginxArgs: nginx.args };
    const base = { kind: 'nginx', params, stateDir: dir, leaf: newLeaf, port, runId: 'bad-run' };
    const captured = parseCapture(await step('capture', context(base)), {
      host: 'lab',
      kind: 'nginx',
    });
    // A key that does not match the certificate: nginx -t refuses it.
    const ctx = context({
      ...base,
      captured,
      material: pemMaterial(newLeaf, chain, oldLeaf.keyPem),
    });
    await step('stage', ctx);
    const r = await execute(labTransport(), renderStep(playbook, 'bind', ctx));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('nginx -t failed with the new files');
    expect(sha(certPath)).toBe(oldCert);
    expect(sha(keyPath)).toBe(oldKey);
    expect(await servedSha256(port)).toBe(oldLeaf.sha256);
    await step('cleanup', ctx);
  });

  // The reload command counts its runs in a file; it fails when told to, like a broken
  // `systemctl reload` would.
  function countingReload(name: string, failOn: string): { command: string; runs: () => number } {
    const log = join(dir, `${name}.reloads`);
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
    const base = { kind: 'nginx', params, stateDir: dir, leaf: newLeaf, port, runId: 'no-reload' };
    const captured = parseCapture(await step('capture', context(base)), {
      host: 'lab',
      kind: 'nginx',
    });
    const ctx = context({
      ...base,
      captured,
      material: pemMaterial(newLeaf, chain, oldLeaf.keyPem),
    });
    await step('stage', ctx);
    const r = await execute(labTransport(), renderStep(playbook, 'bind', ctx));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('nginx -t failed with the new files');
    expect(r.stderr).toContain(
      'the running nginx was not reloaded; it still serves the previous files',
    );
    expect(r.stderr).not.toContain('reload after restoring failed');
    expect(reload.runs()).toBe(0);
    expect(readFileSync(certPath)).toEqual(before.cert);
    expect(readFileSync(keyPath)).toEqual(before.key);
    expect(await servedSha256(port)).toBe(oldLeaf.sha256);
    await step('cleanup', ctx);
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
    const base = {
      kind: 'nginx',
      params,
      stateDir: dir,
      leaf: newLeaf,
      port,
      runId: 'reload-fails',
    };
    const captured = parseCapture(await step('capture', context(base)), {
      host: 'lab',
      kind: 'nginx',
    });
    const ctx = context({ ...base, captured, material: pemMaterial(newLeaf, chain) });
    await step('stage', ctx);
    const r = await execute(labTransport(), renderStep(playbook, 'bind', ctx));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('the reload failed');
    expect(r.stderr).toContain('nginx reloaded with the previous files');
    expect(reload.runs()).toBe(2);
    expect(readFileSync(certPath)).toEqual(before);
    expect(await waitForServed(port, oldLeaf.sha256)).toBe(oldLeaf.sha256);
    await step('cleanup', ctx);
  });
});
