import { describe, expect, it } from 'vitest';
import { type JournalRecord } from '../../../src/journal/journal.js';
import { type PlanDocument } from '../../../src/plan/document.js';
import { runStory } from '../../../src/report/run-story.js';

// A two-host run as its journal tells it: web-01 verified, web-02 rolled back (its undo proven),
// and the rollout machine calling it `succeeded` because the failure budget allowed one.
const OLD = 'a'.repeat(64);
const NEW = 'b'.repeat(64);
const plan = {
  version: 1,
  createdAt: '2026-11-22T04:00:00.000Z',
  inventory: { path: '/inv.yaml', digest: 'd' },
  bundle: { sha256: NEW, path: '/new.pem' },
  environments: [
    {
      name: 'prod',
      hosts: ['web-01', 'web-02'].map((name, i) => ({
        name,
        address: `10.0.0.${i + 1}`,
        bindings: [
          {
            id: `${name}:443`,
            port: 443,
            kind: 'nginx',
            sni: ['www.test'],
            current: OLD,
            action: 'replace',
            capturedDigest: 'x',
          },
        ],
      })),
    },
  ],
} as unknown as PlanDocument;

let seq = 0;
const rec = (second: number, type: string, data: Record<string, unknown>): JournalRecord => ({
  seq: ++seq,
  at: `2026-11-22T04:00:${String(second).padStart(2, '0')}.000Z`,
  type,
  data,
});
const step = (s: number, e: number, step: string, host: string, extra = {}) => [
  rec(s, 'step-started', { step, env: 'prod', host, binding: `${host}:443` }),
  rec(e, 'step-finished', { step, env: 'prod', host, binding: `${host}:443`, ...extra }),
];
const records = [
  rec(0, 'journal-opened', { version: 1, runId: 'r1', operator: 'alice', ticket: 'CHG-1234' }),
  ...step(1, 2, 'bind', 'web-01'),
  ...step(2, 3, 'verify', 'web-01', { ok: true, observed: NEW }),
  rec(3, 'host-result', {
    env: 'prod',
    host: 'web-01',
    output: {
      host: 'web-01',
      status: 'verified',
      bindings: { 'web-01:443': { status: 'verified', observed: NEW } },
    },
  }),
  ...step(4, 5, 'bind', 'web-02'),
  ...step(5, 9, 'verify', 'web-02', { ok: false, observed: OLD, reason: 'serves the old one' }),
  ...step(9, 10, 'rollback', 'web-02'),
  ...step(10, 11, 'verifyRollback', 'web-02', { ok: true, observed: OLD }),
  rec(11, 'host-result', {
    env: 'prod',
    host: 'web-02',
    output: {
      host: 'web-02',
      status: 'rolled-back',
      bindings: {
        'web-02:443': { status: 'rolled-back', observed: OLD, reason: 'serves the old one' },
      },
    },
  }),
  rec(12, 'run-finished', {
    status: 'succeeded',
    environments: [{ env: 'prod', status: 'succeeded' }],
  }),
  rec(13, 'run-swept', { clean: true, text: 'sweep: clean\n' }),
];

describe('a run told from its journal', () => {
  const story = runStory('r1', records, plan);

  it('never calls a run with a rolled-back binding succeeded, whatever the machine said', () => {
    expect(story.verdict).toBe('rolled back');
    expect(story.why).toBe('1 binding(s) rolled back');
    expect(story.counts).toEqual({
      verified: 1,
      rolledBack: 1,
      needsAttention: 0,
      skipped: 0,
      notStarted: 0,
    });
  });

  it('keeps who ran it, the ticket, when and how long', () => {
    expect(story).toMatchObject({
      operator: 'alice',
      ticket: 'CHG-1234',
      startedAt: '2026-11-22T04:00:00.000Z',
      durationMs: 12_000,
    });
  });

  it('tells each binding: before and after, when it was proven, and the rollback that proved the old one', () => {
    const [one, two] = story.bindings;
    expect(one).toMatchObject({
      host: 'web-01',
      address: '10.0.0.1',
      port: 443,
      sni: ['www.test'],
      before: OLD,
      after: NEW,
      status: 'verified',
      provedAt: '2026-11-22T04:00:03.000Z',
    });
    expect(one!.rollback).toBeUndefined();
    expect(two).toMatchObject({
      status: 'rolled-back',
      after: OLD,
      rollback: { at: '2026-11-22T04:00:11.000Z', ok: true, observed: OLD },
    });
  });

  it('pairs each step start with its end for the timeline, a failed verify marked', () => {
    expect(story.timeline).toHaveLength(6);
    expect(story.timeline.find((s) => s.host === 'web-02' && s.step === 'verify')).toMatchObject({
      start: '2026-11-22T04:00:05.000Z',
      end: '2026-11-22T04:00:09.000Z',
      ok: false,
    });
  });

  it('says a clean run succeeded and a dirty sweep failed', () => {
    const clean = records.filter((r) => !(r.type === 'host-result' && r.data['host'] === 'web-02'));
    expect(runStory('r1', clean, plan).verdict).toBe('succeeded');
    const dirty = clean.map((r) =>
      r.type === 'run-swept' ? { ...r, data: { clean: false, text: 'x' } } : r,
    );
    expect(runStory('r1', dirty, plan)).toMatchObject({
      verdict: 'failed',
      why: expect.stringContaining('sweep'),
    });
    expect(runStory('r1', records.slice(0, 5), plan).verdict).toBe('incomplete');
  });
});
