// The playbook integration tests' common ground: render contexts from test certificates, the
// certificates and folder each file starts from, and running steps on this machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { parseCapture, type CapturedState } from '../../../src/playbooks/capture.js';
import { loadPlaybooks } from '../../../src/playbooks/load.js';
import { renderStep, type Material, type RenderContext } from '../../../src/playbooks/render.js';
import { type Playbook, type StepName } from '../../../src/playbooks/schema.js';
import { renewalPki, type Issued, type TestPki } from '../../lab/index.js';
import { countProcesses, execute, labTransport } from './local.js';

export function pemMaterial(
  leaf: Issued,
  chain: readonly Issued[],
  keyPem = leaf.keyPem,
): Material {
  return {
    kind: 'pem',
    certPem: leaf.certPem,
    chainPem: chain.map((c) => c.certPem).join(''),
    keyPem,
  };
}

export function context(opts: {
  kind: string;
  params: Record<string, unknown>;
  stateDir: string;
  leaf: Issued;
  material?: Material;
  captured?: CapturedState;
  runId?: string;
  port?: number;
}): RenderContext {
  return {
    runId: opts.runId ?? 'run-1',
    host: { name: 'lab', address: '127.0.0.1', stateDir: opts.stateDir },
    binding: {
      id: `lab:${opts.port ?? 443}`,
      port: opts.port ?? 443,
      kind: opts.kind,
      params: opts.params,
      origin: { file: 'inventory.yaml', line: 1 },
    },
    cert: { sha256: opts.leaf.sha256, thumbprint: opts.leaf.thumbprint },
    ...(opts.material ? { material: opts.material } : {}),
    ...(opts.captured ? { captured: opts.captured } : {}),
  };
}

export interface PlaybookLab {
  readonly pki: TestPki;
  /** A private folder: the state folder and, for the daemons, their files. */
  readonly dir: string;
  /** Served before: issued by the same intermediate as newLeaf. */
  readonly oldLeaf: Issued;
  readonly newLeaf: Issued;
  readonly chain: Issued[];
  readonly playbook: Playbook;
}

/**
 * What every playbook test file starts from, made in its beforeAll and removed in its afterAll:
 * an old and a new EC leaf for `localhost` under one intermediate, a folder, and the playbook.
 */
export function usePlaybookLab(kind: string): PlaybookLab {
  let made: PlaybookLab | undefined;
  beforeAll(() => {
    const { pki, intermediate, oldLeaf, newLeaf } = renewalPki('localhost', {
      key: { type: 'ec', curve: 'prime256v1' },
    });
    const dir = mkdtempSync(join(tmpdir(), `certroll-${kind}-`));
    made = {
      pki,
      dir,
      oldLeaf,
      newLeaf,
      chain: [intermediate],
      playbook: loadPlaybooks().get(kind),
    };
  });
  afterAll(() => {
    made?.pki.cleanup();
    if (made) rmSync(made.dir, { recursive: true, force: true });
  });
  const get = (): PlaybookLab => {
    if (made === undefined) throw new Error('usePlaybookLab: read before its beforeAll ran');
    return made;
  };
  // Getters, so that the file can hold the lab in a const before its beforeAll has run.
  const view = {} as PlaybookLab;
  for (const key of ['pki', 'dir', 'oldLeaf', 'newLeaf', 'chain', 'playbook'] as const) {
    Object.defineProperty(view, key, { get: () => get()[key] });
  }
  return view;
}

/** Runs one step of `playbook` on this machine and fails the test unless it exits 0. */
export async function runStep(
  playbook: Playbook,
  name: StepName,
  ctx: RenderContext,
): Promise<string> {
  const r = await execute(labTransport(), renderStep(playbook, name, ctx));
  expect(r.exitCode, `${name} failed: ${r.stderr}`).toBe(0);
  return r.stdout;
}

/**
 * preflight, capture, stage and bind of `lab.newLeaf` with the context `base` describes; returns
 * the context (with what was captured) that rollback and cleanup then take.
 */
export async function bindNewLeaf(
  lab: PlaybookLab,
  base: Parameters<typeof context>[0],
): Promise<RenderContext> {
  await runStep(lab.playbook, 'preflight', context(base));
  const captured = parseCapture(await runStep(lab.playbook, 'capture', context(base)), {
    host: 'lab',
    kind: base.kind,
  });
  const ctx = context({ ...base, captured, material: pemMaterial(lab.newLeaf, lab.chain) });
  await runStep(lab.playbook, 'stage', ctx);
  await runStep(lab.playbook, 'bind', ctx);
  return ctx;
}

/**
 * capture and stage of `lab.newLeaf` with the old leaf's key (a pair the server refuses), then
 * the bind, which must fail: returns its result and the context cleanup takes.
 */
export async function bindMismatchedKey(
  lab: PlaybookLab,
  base: Parameters<typeof context>[0],
): Promise<{ result: Awaited<ReturnType<typeof execute>>; ctx: RenderContext }> {
  const captured = parseCapture(await runStep(lab.playbook, 'capture', context(base)), {
    host: 'lab',
    kind: base.kind,
  });
  const material = pemMaterial(lab.newLeaf, lab.chain, lab.oldLeaf.keyPem);
  const ctx = context({ ...base, captured, material });
  await runStep(lab.playbook, 'stage', ctx);
  return { result: await execute(labTransport(), renderStep(lab.playbook, 'bind', ctx)), ctx };
}

/** What `context` takes for a run rolling `lab.newLeaf` out to a `kind` binding on `port`. */
export function newLeafRun(
  lab: PlaybookLab,
  kind: string,
  params: Record<string, unknown>,
  port: number,
  runId: string,
): Parameters<typeof context>[0] {
  return { kind, params, stateDir: lab.dir, leaf: lab.newLeaf, port, runId };
}

export type StepCounts = Record<
  'preflight' | 'capture' | 'stage' | 'bind' | 'rollback' | 'cleanup',
  number
>;

/**
 * preflight, capture, stage, bind, rollback and cleanup of `newLeaf` for the binding `base`
 * describes, each run under strace: the processes each step started (each must exit 0).
 */
export async function countSteps(
  playbook: Playbook,
  base: Parameters<typeof context>[0],
  newLeaf: Issued,
  chain: readonly Issued[],
): Promise<StepCounts> {
  const counts: Partial<StepCounts> = {};
  const count = async (name: keyof StepCounts, ctx: RenderContext): Promise<string> => {
    const r = await countProcesses(renderStep(playbook, name, ctx));
    expect(r.exitCode, `${name}: ${r.stderr}`).toBe(0);
    counts[name] = r.processes;
    return r.stdout;
  };
  await count('preflight', context(base));
  const captured = parseCapture(await count('capture', context(base)), {
    host: 'lab',
    kind: base.kind,
  });
  const ctx = context({ ...base, captured, material: pemMaterial(newLeaf, chain) });
  for (const name of ['stage', 'bind', 'rollback', 'cleanup'] as const) await count(name, ctx);
  return counts as StepCounts;
}

/** The steps that started more processes than their budget, with both numbers. */
export function overBudget(counts: StepCounts, budget: StepCounts): string[] {
  return Object.entries(budget).flatMap(([step, max]) => {
    const n = counts[step as keyof StepCounts];
    return n > max ? [`${step}: ${n} processes, budget ${max}`] : [];
  });
}
