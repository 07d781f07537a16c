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
import { startHaproxy, type Daemon } from './daemons.js';
import { execute, freePort, labTransport, servedSha256, waitForServed } from './local.js';

const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

let pki: TestPki;
let dir: string;
let oldLeaf: Issued;
let newLeaf: Issued;
let chain: Issued[];
let playbook: Playbook;
let haproxy: Daemon & { config: string; socket: string };
let port: number;
let crtPath: string;

beforeAll(async () => {
  pki = TestPki.create();
  const c = pki.chain(['localhost'], { key: { type: 'ec', curve: 'prime256v1' } });
  newLeaf = c.leaf;
  chain = [c.intermediate];
  oldLeaf = pki.issue(
    { cn: 'localhost', sans: ['localhost'], key: { type: 'ec', curve: 'prime256v1' } },
    c.intermediate,
  );
  dir = mkdtempSync(join(tmpdir(), 'certroll-haproxy-'));
  crtPath = join(dir, 'site.pem');
  writeFileSync(crtPath, oldLeaf.certPem + c.intermediate.certPem + oldLeaf.keyPem, {
    mode: 0o600,
  });
  port = await freePort();
  haproxy = await startHaproxy(dir, port, crtPath);
  playbook = loadPlaybooks().get('haproxy');
});
afterAll(async () => {
  await haproxy?.stop();
  pki.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function step(name: StepName, ctx: RenderContext): Promise<string> {
  const r = await execute(labTransport(), renderStep(playbook, name, ctx));
  expect(r.exitCode, `${name} failed: ${r.stderr}`).toBe(0);
  return r.stdout;
}

const params = (): Record<string, unknown> => ({
  crtPath,
  configPath: haproxy.config,
  haproxyBinary: '/usr/sbin/haproxy',
  statsSocket: haproxy.socket,
});

describe('haproxy playbook against a real haproxy (runtime API over the stats socket)', () => {
  it('swaps the certificate in memory and on disk, and rolls back to the old one', async () => {
    expect(await servedSha256(port)).toBe(oldLeaf.sha256);
    const oldSha = sha(crtPath);
    const base = {
      kind: 'haproxy',
      params: params(),
      stateDir: dir,
      leaf: newLeaf,
      port,
      runId: 'ok-run',
    };
    await step('preflight', context(base));
    const captured = parseCapture(await step('capture', context(base)), {
      host: 'lab',
      kind: 'haproxy',
    });
    const ctx = context({ ...base, captured, material: pemMaterial(newLeaf, chain) });
    await step('stage', ctx);
    await step('bind', ctx);
    expect(await waitForServed(port, newLeaf.sha256)).toBe(newLeaf.sha256);
    expect(readFileSync(crtPath, 'utf8')).toBe(
      newLeaf.certPem + chain[0]!.certPem + newLeaf.keyPem,
    );

    await step('rollback', ctx);
    expect(await waitForServed(port, oldLeaf.sha256)).toBe(oldLeaf.sha256);
    expect(sha(crtPath)).toBe(oldSha);
    await step('cleanup', ctx);
  });

  it('restores the old file at once when haproxy -c rejects the new one', async () => {
    const oldSha = sha(crtPath);
    const base = {
      kind: 'haproxy',
      params: params(),
      stateDir: dir,
      leaf: newLeaf,
      port,
      runId: 'bad-run',
    };
    const captured = parseCapture(await step('capture', context(base)), {
      host: 'lab',
      kind: 'haproxy',
    });
    const ctx = context({
      ...base,
      captured,
      material: pemMaterial(newLeaf, chain, oldLeaf.keyPem),
    });
    await step('stage', ctx);
    const r = await execute(labTransport(), renderStep(playbook, 'bind', ctx));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('haproxy -c failed with the new file');
    expect(sha(crtPath)).toBe(oldSha);
    expect(await servedSha256(port)).toBe(oldLeaf.sha256);
    await step('cleanup', ctx);
  });
});

describe('haproxy playbook with a reload command instead of the runtime API', () => {
  let dir2: string;
  let hap: Daemon & { config: string; socket: string };
  let port2: number;
  let crt2: string;

  beforeAll(async () => {
    dir2 = mkdtempSync(join(tmpdir(), 'certroll-haproxy-reload-'));
    crt2 = join(dir2, 'site.pem');
    writeFileSync(crt2, oldLeaf.certPem + chain[0]!.certPem + oldLeaf.keyPem, { mode: 0o600 });
    port2 = await freePort();
    hap = await startHaproxy(dir2, port2, crt2, true);
  });
  afterAll(async () => {
    await hap?.stop();
    rmSync(dir2, { recursive: true, force: true });
  });

  it('reloads haproxy to serve the new certificate, and again for the rollback', async () => {
    const params = {
      crtPath: crt2,
      configPath: hap.config,
      haproxyBinary: '/usr/sbin/haproxy',
      reloadCommand: `kill -USR2 ${hap.child.pid}`,
    };
    const base = { kind: 'haproxy', params, stateDir: dir2, leaf: newLeaf, port: port2 };
    await step('preflight', context(base));
    const captured = parseCapture(await step('capture', context(base)), {
      host: 'lab',
      kind: 'haproxy',
    });
    const ctx = context({ ...base, captured, material: pemMaterial(newLeaf, chain) });
    await step('stage', ctx);
    await step('bind', ctx);
    expect(await waitForServed(port2, newLeaf.sha256)).toBe(newLeaf.sha256);
    await step('rollback', ctx);
    expect(await waitForServed(port2, oldLeaf.sha256)).toBe(oldLeaf.sha256);
    await step('cleanup', ctx);
  });

  it('neither reloads nor reports a failed reload when haproxy -c fails before any reload', async () => {
    const before = readFileSync(crt2);
    const log = join(dir2, 'reloads.log');
    // A reload command that would fail: any run of it is recorded.
    const params = {
      crtPath: crt2,
      configPath: hap.config,
      haproxyBinary: '/usr/sbin/haproxy',
      reloadCommand: `echo x >> ${log}; exit 9`,
    };
    const base = { kind: 'haproxy', params, stateDir: dir2, leaf: newLeaf, port: port2 };
    const captured = parseCapture(await step('capture', context(base)), {
      host: 'lab',
      kind: 'haproxy',
    });
    const ctx = context({
      ...base,
      captured,
      material: pemMaterial(newLeaf, chain, oldLeaf.keyPem),
    });
    await step('stage', ctx);
    const r = await execute(labTransport(), renderStep(playbook, 'bind', ctx));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('haproxy -c failed with the new file');
    expect(r.stderr).toContain(
      'the running haproxy was not updated or reloaded; it still serves the previous certificate',
    );
    expect(r.stderr).not.toContain('activating the previous file failed');
    expect(existsSync(log)).toBe(false);
    expect(readFileSync(crt2)).toEqual(before);
    expect(await servedSha256(port2)).toBe(oldLeaf.sha256);
    await step('cleanup', ctx);
  });
});
