import { createHash } from 'node:crypto';
import {
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCapture, type CapturedState } from '../../../src/playbooks/capture.js';
import { renderStep } from '../../../src/playbooks/render.js';
import {
  context,
  countSteps,
  overBudget,
  pemMaterial,
  runStep,
  usePlaybookLab,
} from './context.js';
import { execute, labTransport } from './local.js';

const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');
const mode = (p: string): number => statSync(p).mode & 0o777;
/** A captured file that exists, owned by the user running the tests. */
const ours = (sha256: string, fileMode: string) => ({
  exists: true,
  sha256,
  mode: fileMode,
  uid: process.getuid!(),
  gid: process.getgid!(),
});

const lab = usePlaybookLab('pem-files');

function setup(sub: string): {
  certPath: string;
  keyPath: string;
  chainPath: string;
  state: string;
} {
  const root = join(lab.dir, sub);
  const state = join(root, 'state');
  mkdirSync(state, { recursive: true });
  const certPath = join(root, 'site.crt');
  const keyPath = join(root, 'site.key');
  writeFileSync(certPath, lab.oldLeaf.certPem, { mode: 0o640 });
  writeFileSync(keyPath, lab.oldLeaf.keyPem, { mode: 0o600 });
  return { certPath, keyPath, chainPath: join(root, 'chain.pem'), state };
}

describe('pem-files on this machine', () => {
  it('captures, stages, binds the new files and rolls back to the exact previous ones', async () => {
    const p = setup('roundtrip');
    const oldCert = sha(p.certPath);
    const oldKey = sha(p.keyPath);
    const params = {
      certPath: p.certPath,
      keyPath: p.keyPath,
      chainPath: p.chainPath,
      certMode: '644',
    };
    const base = { kind: 'pem-files', params, stateDir: p.state, leaf: lab.newLeaf };
    await runStep(lab.playbook, 'preflight', context(base));
    const captured = parseCapture(await runStep(lab.playbook, 'capture', context(base)), {
      host: 'lab',
      kind: 'pem-files',
    });
    expect(captured).toEqual({
      type: 'files',
      files: {
        cert: ours(oldCert, '640'),
        key: ours(oldKey, '600'),
        chain: { exists: false },
      },
    });
    const ctx = context({ ...base, captured, material: pemMaterial(lab.newLeaf, lab.chain) });
    await runStep(lab.playbook, 'stage', ctx);
    await runStep(lab.playbook, 'stage', ctx); // idempotent
    // The staged key and the backups are readable by the owner only.
    const staged = join(p.state, 'certroll-run-1', 'lab_443');
    expect(mode(join(p.state, 'certroll-run-1'))).toBe(0o700);
    expect(mode(staged)).toBe(0o700);
    expect(mode(join(staged, 'key.pem'))).toBe(0o600);
    expect(mode(join(staged, 'fullchain.pem'))).toBe(0o600);
    // No step of pem-files reads the combined PEM: it is not written.
    expect(existsSync(join(staged, 'combined.pem'))).toBe(false);
    expect(mode(join(staged, 'backup', 'key'))).toBe(0o600);
    await runStep(lab.playbook, 'bind', ctx);
    expect(readFileSync(p.certPath, 'utf8')).toBe(lab.newLeaf.certPem);
    expect(readFileSync(p.keyPath, 'utf8')).toBe(lab.newLeaf.keyPem);
    expect(readFileSync(p.chainPath, 'utf8')).toBe(lab.chain[0]!.certPem);
    expect(mode(p.certPath)).toBe(0o644);
    expect(mode(p.keyPath)).toBe(0o600);
    await runStep(lab.playbook, 'stage', ctx); // a resumed stage after bind keeps the first backup

    await runStep(lab.playbook, 'rollback', ctx);
    await runStep(lab.playbook, 'rollback', ctx); // idempotent
    expect(sha(p.certPath)).toBe(oldCert);
    expect(sha(p.keyPath)).toBe(oldKey);
    expect(mode(p.certPath)).toBe(0o640);
    expect(existsSync(p.chainPath)).toBe(false);

    // cleanup removes the staged new key but keeps the backups for `certroll rollback RUN`;
    // purge removes the run folder.
    await runStep(lab.playbook, 'cleanup', ctx);
    const runDir = join(p.state, 'certroll-run-1');
    const bindingDirs = readdirSync(runDir).map((b) => join(runDir, b));
    expect(bindingDirs.flatMap((d) => readdirSync(d))).toEqual(['backup']);
    await runStep(lab.playbook, 'purge', ctx);
    expect(existsSync(runDir)).toBe(false);
  });

  it('writes fullchain and restores the previous files when the test command fails', async () => {
    const p = setup('failing-test');
    const oldCert = sha(p.certPath);
    const secondLine = lab.newLeaf.certPem.split('\n')[1]!;
    const params = {
      certPath: p.certPath,
      keyPath: p.keyPath,
      fullchain: true,
      // The user's test command sees the new file and fails on purpose.
      testCommand: `grep -q "${secondLine}" ${JSON.stringify(p.certPath)} && exit 7; exit 0`,
      reloadCommand: `echo reloaded >> ${JSON.stringify(join(lab.dir, 'reloads.log'))}`,
    };
    const base = { kind: 'pem-files', params, stateDir: p.state, leaf: lab.newLeaf };
    const captured = parseCapture(await runStep(lab.playbook, 'capture', context(base)), {
      host: 'lab',
      kind: 'pem-files',
    });
    const ctx = context({ ...base, captured, material: pemMaterial(lab.newLeaf, lab.chain) });
    await runStep(lab.playbook, 'stage', ctx);
    // Bind puts the old files back at once; no reload had run with the new ones, so none runs.
    const r = await execute(labTransport(), renderStep(lab.playbook, 'bind', ctx));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('the test command failed');
    expect(r.stderr).toContain('no reload had run with the new files, so none is needed');
    expect(r.stderr).not.toContain('reload after restoring failed');
    expect(sha(p.certPath)).toBe(oldCert);
    expect(existsSync(join(lab.dir, 'reloads.log'))).toBe(false);

    // With a passing test the leaf and chain land in certPath.
    await runStep(lab.playbook, 'bind', {
      ...ctx,
      binding: { ...ctx.binding, params: { ...params, testCommand: 'true' } },
    });
    expect(readFileSync(p.certPath, 'utf8')).toBe(lab.newLeaf.certPem + lab.chain[0]!.certPem);
    await runStep(lab.playbook, 'cleanup', ctx);
  });

  it('refuses to stage when a file changed since capture', async () => {
    const p = setup('changed');
    const params = { certPath: p.certPath, keyPath: p.keyPath };
    const base = { kind: 'pem-files', params, stateDir: p.state, leaf: lab.newLeaf };
    const captured: CapturedState = parseCapture(
      await runStep(lab.playbook, 'capture', context(base)),
      {
        host: 'lab',
        kind: 'pem-files',
      },
    );
    writeFileSync(p.certPath, 'changed by someone else\n');
    const r = await execute(
      labTransport(),
      renderStep(
        lab.playbook,
        'stage',
        context({ ...base, captured, material: pemMaterial(lab.newLeaf, lab.chain) }),
      ),
    );
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('changed since capture');
  });

  it('refuses to restore a file the capture says nothing about, rather than deleting it', async () => {
    const p = setup('no-capture');
    const oldCert = sha(p.certPath);
    const params = { certPath: p.certPath, keyPath: p.keyPath };
    const captured: CapturedState = { type: 'files', files: {} };
    const ctx = context({
      kind: 'pem-files',
      params,
      stateDir: p.state,
      leaf: lab.newLeaf,
      captured,
    });
    const r = await execute(labTransport(), renderStep(lab.playbook, 'rollback', ctx));
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('no captured state');
    expect(sha(p.certPath)).toBe(oldCert);
  });

  // bind takes owner and group from the capture (no stat on the host) unless the params name
  // them; rollback puts back the captured ones.
  it('keeps the captured owner and group of each file unless the params name others', async () => {
    const p = setup('owners');
    chownSync(p.certPath, 1234, 2345);
    chownSync(p.keyPath, 1235, 2346);
    const owners = (f: string) => `${statSync(f).uid}:${statSync(f).gid}`;
    for (const [params, cert, key] of [
      [{}, '1234:2345', '1235:2346'],
      [{ group: '3456' }, '1234:3456', '1235:3456'],
      [{ owner: '4321', group: '3456' }, '4321:3456', '4321:3456'],
    ] as const) {
      const run = {
        kind: 'pem-files',
        params: { certPath: p.certPath, keyPath: p.keyPath, ...params },
        stateDir: p.state,
        leaf: lab.newLeaf,
        runId: `owners-${cert.replace(':', '-')}`,
      };
      const captured = parseCapture(await runStep(lab.playbook, 'capture', context(run)), {
        host: 'lab',
        kind: 'pem-files',
      });
      const ctx = context({ ...run, captured, material: pemMaterial(lab.newLeaf, lab.chain) });
      await runStep(lab.playbook, 'stage', ctx);
      await runStep(lab.playbook, 'bind', ctx);
      expect([owners(p.certPath), owners(p.keyPath)]).toEqual([cert, key]);
      expect([mode(p.certPath), mode(p.keyPath)]).toEqual([0o644, 0o600]);
      await runStep(lab.playbook, 'rollback', ctx);
      expect([owners(p.certPath), owners(p.keyPath)]).toEqual(['1234:2345', '1235:2346']);
      expect(mode(p.certPath)).toBe(0o640);
    }
  });

  // What each step costs the host in processes (see the same test of the nginx playbook).
  // Before the steps were trimmed: preflight 3, capture 13, stage 11, bind 17, rollback 17,
  // cleanup 2 (the shell included).
  it('starts no more processes per step than its budget for a binding with certificate and key', async () => {
    const p = setup('counted');
    const oldCert = sha(p.certPath);
    const params = { certPath: p.certPath, keyPath: p.keyPath };
    const base = { kind: 'pem-files', params, stateDir: p.state, leaf: lab.newLeaf };
    const counts = await countSteps(lab.playbook, base, lab.newLeaf, lab.chain);
    expect(sha(p.certPath)).toBe(oldCert);
    expect(mode(p.certPath)).toBe(0o640);
    const budget = { preflight: 1, capture: 3, stage: 7, bind: 5, rollback: 7, cleanup: 2 };
    expect(overBudget(counts, budget)).toEqual([]);
  });
});
