// Fewer remote commands per host on sh hosts: the host lock shares its command with the first
// unit's pre-flight and capture, and the cleanup's last command releases the lock. The real steps
// (src/workflow/steps.ts) and the pem-files playbook over the local transport (real sh), counting
// the commands each step sends; the verifier is a stand-in (nothing here serves TLS).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createActor, toPromise } from 'xstate';
import { parseInventory } from '../../../src/inventory/index.js';
import { type Host } from '../../../src/inventory/model.js';
import { loadPlaybooks } from '../../../src/playbooks/load.js';
import { LocalTransport } from '../../../src/transport/local/local-transport.js';
import { type Transport } from '../../../src/transport/types.js';
import { createHostMachine } from '../../../src/workflow/host-machine.js';
import { createRolloutSteps } from '../../../src/workflow/steps.js';
import { type HostOutput } from '../../../src/workflow/types.js';
import { tempDir } from '../../helpers/temp.js';

const root = tempDir('certroll-lockfold-');
const signal = new AbortController().signal;
const PEM = '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n';
let counter = 0;

/** A host folder with the current files, and the real steps over a counting local transport. */
function lab(runId = 'run-1', opts: { missingFolder?: boolean } = {}) {
  const dir = join(root, `h${++counter}`);
  mkdirSync(join(dir, 'state'), { recursive: true });
  mkdirSync(join(dir, 'tls'));
  writeFileSync(join(dir, 'tls', 'cert.pem'), PEM);
  writeFileSync(join(dir, 'tls', 'key.pem'), 'old key', { mode: 0o600 });
  // A certificate folder that does not exist fails the pem-files pre-flight.
  const certDir = opts.missingFolder === true ? join(dir, 'nowhere') : join(dir, 'tls');
  const inventory = parseInventory(
    `version: 1
environments:
  - name: prod
    hosts:
      - name: web-1
        address: 127.0.0.1
        transport: { kind: local }
        stateDir: ${JSON.stringify(join(dir, 'state'))}
        bindings:
          - port: 8443
            kind: pem-files
            params: { certPath: ${JSON.stringify(join(certDir, 'cert.pem'))}, keyPath: ${JSON.stringify(join(dir, 'tls', 'key.pem'))} }
            probe: { sni: none }
`,
    'inv.yaml',
    { home: '/root', baseDir: dir },
  );
  const scripts: string[] = [];
  const transportFor = (h: Host): Transport => {
    const t = new LocalTransport(h);
    return new Proxy(t, {
      get(target, key, receiver) {
        if (key !== 'exec') return Reflect.get(target, key, receiver) as unknown;
        return (script: string, options?: Parameters<Transport['exec']>[1]) => {
          scripts.push(script);
          return target.exec(script, options);
        };
      },
    });
  };
  const steps = (id = runId) =>
    createRolloutSteps({
      runId: id,
      inventory,
      playbooks: loadPlaybooks(),
      cert: { sha256: 'c'.repeat(64), thumbprint: 'AB'.repeat(20) },
      material: () => ({ kind: 'pem', certPem: PEM, chainPem: '', keyPem: 'new key' }),
      transportFor,
      verifier: {
        current: () => Promise.resolve(undefined),
        serves: () => Promise.resolve({ ok: true }),
        notServes: () => Promise.resolve({ ok: true }),
        sample: () => Promise.resolve({ ok: true }),
      },
    });
  const lock = join(dir, 'state', 'certroll.lock');
  return { dir, lock, scripts, steps };
}

const B = 'web-1:8443';

describe('the host lock with the first capture, and the cleanup with the release (sh)', () => {
  it('takes the lock and captures the first unit in one command; the capture step sends none', async () => {
    const { lock, scripts, steps } = lab();
    const s = steps();
    await s.connect({ host: 'web-1' }, signal);
    await s.lockHost({ host: 'web-1', capture: B }, signal);
    expect(scripts).toHaveLength(1);
    expect(readFileSync(join(lock, 'owner'), 'utf8').trim()).toBe('run-1');
    const early = await s.capture({ host: 'web-1', binding: B }, signal);
    expect(scripts).toHaveLength(1);
    // The same capture as a command of its own gives (taken once: the next one runs it).
    const again = await s.capture({ host: 'web-1', binding: B }, signal);
    expect(scripts).toHaveLength(2);
    expect(early).toEqual(again);
    expect(early.state).toMatchObject({
      captured: { type: 'files', files: { cert: { exists: true }, key: { exists: true } } },
    });
    await s.release({ host: 'web-1', locked: true }, signal);
    expect(existsSync(lock)).toBe(false);
  });

  it('runs nothing of the capture when another run holds the lock: LOCK_HELD, as alone', async () => {
    const { lock, scripts, steps } = lab();
    const other = steps('run-other');
    await other.lockHost({ host: 'web-1' }, signal);
    const s = steps();
    await expect(s.lockHost({ host: 'web-1', capture: B }, signal)).rejects.toMatchObject({
      code: 'LOCK_HELD',
      message: expect.stringContaining('held by run run-other'),
    });
    // The capture step of a refused lock runs on its own (nothing was kept).
    await s.capture({ host: 'web-1', binding: B }, signal);
    expect(scripts).toHaveLength(3);
    expect(readFileSync(join(lock, 'owner'), 'utf8').trim()).toBe('run-other');
  });

  it('fails the capture step, not the lock, when the pre-flight fails after the lock', async () => {
    const folded = lab('run-1', { missingFolder: true });
    const s = folded.steps();
    await s.lockHost({ host: 'web-1', capture: B }, signal);
    expect(existsSync(folded.lock)).toBe(true);
    const error = await s.capture({ host: 'web-1', binding: B }, signal).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'TRANSPORT_COMMAND_FAILED',
      message: expect.stringMatching(/preflight and capture of web-1:8443 failed .*does not exist/),
    });
    // The same error as the capture as a command of its own, after a lock alone.
    const alone = lab('run-1', { missingFolder: true });
    const a = alone.steps();
    await a.lockHost({ host: 'web-1' }, signal);
    const same = await a.capture({ host: 'web-1', binding: B }, signal).catch((e: unknown) => e);
    const text = (e: unknown) => (e as Error).message.replaceAll(alone.dir, folded.dir);
    expect(text(same)).toBe((error as Error).message);
    expect(folded.scripts).toHaveLength(1);
  });

  it('releases the lock in the cleanup command; the release step only closes the connection', async () => {
    const { lock, scripts, steps } = lab();
    const s = steps();
    await s.lockHost({ host: 'web-1', capture: B }, signal);
    await s.cleanup({ host: 'web-1' }, signal);
    expect(existsSync(lock)).toBe(false);
    const sent = scripts.length;
    await s.release({ host: 'web-1', locked: true }, signal);
    expect(scripts).toHaveLength(sent);
    // A later lock of the same host in this process (an environment rollback) is released by
    // its release step again.
    await s.lockHost({ host: 'web-1' }, signal);
    await s.release({ host: 'web-1', locked: true }, signal);
    expect(existsSync(lock)).toBe(false);
  });

  it('treats a lock that is already gone as released (a resume after kill -9 between cleanup and release)', async () => {
    const { lock, steps } = lab();
    const s = steps();
    await s.lockHost({ host: 'web-1' }, signal);
    await s.cleanup({ host: 'web-1' }, signal);
    // A new process: it knows nothing of the cleanup's release and releases again.
    await expect(steps().release({ host: 'web-1', locked: true }, signal)).resolves.toBeUndefined();
    expect(existsSync(lock)).toBe(false);
  });

  it('leaves the lock to the release step when the cleanup fails', async () => {
    const { dir, lock, steps } = lab();
    const s = steps();
    await s.lockHost({ host: 'web-1' }, signal);
    // rm -f cannot remove a folder where the staged key would be.
    mkdirSync(join(dir, 'state', 'certroll-run-1', 'web-1_8443', 'key.pem'), { recursive: true });
    const failed = await s.cleanup({ host: 'web-1' }, signal).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (failed === undefined) return expect.fail('cleanup should fail on a file in its way');
    expect(existsSync(lock)).toBe(true);
    await s.release({ host: 'web-1', locked: true }, signal);
    expect(existsSync(lock)).toBe(false);
  });

  it('rolls a host out in four commands: lock and capture, stage, bind, cleanup and release', async () => {
    const { dir, lock, scripts, steps } = lab();
    const actor = createActor(createHostMachine(steps()), {
      input: { name: 'web-1', bindings: [B] },
    });
    actor.start();
    const out: HostOutput = await toPromise(actor);
    expect(out.status).toBe('verified');
    expect(readFileSync(join(dir, 'tls', 'key.pem'), 'utf8').trim()).toBe('new key');
    expect(existsSync(lock)).toBe(false);
    expect(scripts).toHaveLength(4);
  });
});
