// Group-committed durability: records and snapshots written without waiting for the disk, made
// durable together at the barrier a step awaits before it acts.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal, readJournal, RunRecorder } from '../../../src/journal/index.js';
import { journaled, type AllSteps } from '../../../src/workflow/journaled.js';
import { fakeSteps } from '../../helpers/fake-steps.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'certroll-recorder-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('Journal.write and sync', () => {
  it('writes records at once and resolves sync when they are durable; concurrent syncs share', async () => {
    const path = join(dir, 'journal.jsonl');
    const j = Journal.create(path, { runId: 'r1' });
    for (let i = 0; i < 20; i++) j.write('step-started', { step: 'bind', i });
    // Readable before any fsync: a killed process loses nothing the page cache holds.
    expect(readJournal(path).records).toHaveLength(21);
    await Promise.all([j.sync(), j.sync(), j.sync()]);
    j.write('step-finished', { step: 'bind' });
    await j.sync();
    await j.sync(); // nothing new: resolves at once
    j.close();
    const { records, tornTail } = readJournal(path);
    expect(tornTail).toBe(false);
    expect(records.map((r) => r.seq)).toEqual([...Array(22).keys()].map((i) => i + 1));
  });
});

/** A recorder whose journal syncs wait until `open()` (the first one only, or every one). */
function slowJournal(o: { firstSyncOnly: boolean }) {
  const journal = Journal.create(join(dir, 'journal.jsonl'), { runId: 'r1' });
  const path = join(dir, 'snapshot.json');
  const recorder = new RunRecorder(journal, path);
  let open: () => void = () => undefined;
  const gate = new Promise<void>((r) => (open = r));
  const sync = journal.sync.bind(journal);
  let waited = false;
  journal.sync = async () => {
    if (!o.firstSyncOnly || !waited) {
      waited = true;
      await gate;
    }
    await sync();
  };
  return { journal, path, recorder, open };
}

describe('RunRecorder', () => {
  it('serialises the snapshot only at a barrier, writes it when it changed, and ends with the final one', async () => {
    const journal = Journal.create(join(dir, 'journal.jsonl'), { runId: 'r1' });
    const path = join(dir, 'snapshot.json');
    const recorder = new RunRecorder(journal, path);
    let reads = 0;
    let state = { value: 'connecting' };
    const read = () => {
      reads++;
      return { snapshot: state, records: [] };
    };
    for (let i = 0; i < 5; i++) recorder.changed(read);
    expect(reads).toBe(0);
    await recorder.durable();
    expect(reads).toBe(1);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ value: 'connecting' });
    const inode = statSync(path).ino;
    recorder.changed(read);
    await recorder.durable(); // same JSON: not rewritten
    expect(statSync(path).ino).toBe(inode);
    state = { value: 'binding' };
    recorder.changed(read);
    await Promise.all([recorder.durable(), recorder.durable()]);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ value: 'binding' });
    recorder.final({ value: 'done' });
    recorder.close();
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ value: 'done' });
  });

  it('writes the records a snapshot names to the journal, durable before the snapshot is replaced', async () => {
    const journalPath = join(dir, 'journal.jsonl');
    const journal = Journal.create(journalPath, { runId: 'r1' });
    const path = join(dir, 'snapshot.json');
    const recorder = new RunRecorder(journal, path);
    const snapshotAtSync: string[] = [];
    const sync = journal.sync.bind(journal);
    journal.sync = async () => {
      snapshotAtSync.push(existsSync(path) ? readFileSync(path, 'utf8') : 'none');
      await sync();
    };
    recorder.changed(() => ({
      snapshot: { finished: ['h1'] },
      records: [{ type: 'host-result', data: { host: 'h1', output: { status: 'verified' } } }],
    }));
    await recorder.durable();
    recorder.close();
    // The first sync ran before the snapshot naming the record existed.
    expect(snapshotAtSync[0]).toBe('none');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ finished: ['h1'] });
    expect(readJournal(journalPath).records.map((r) => [r.type, r.data['host']])).toEqual([
      ['journal-opened', undefined],
      ['host-result', 'h1'],
    ]);
  });

  it('never lets an older snapshot replace a newer one while it waits for its records', async () => {
    // The first snapshot's records are slow to reach the disk.
    const { path, recorder, open } = slowJournal({ firstSyncOnly: true });
    let state = 'a';
    const read = () => ({
      snapshot: { state },
      records: state === 'a' ? [{ type: 'host-result', data: { host: 'h1' } }] : [],
    });
    recorder.changed(read);
    const a = recorder.durable();
    await new Promise((r) => setTimeout(r, 20));
    state = 'b';
    recorder.changed(read);
    const b = recorder.durable();
    await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(path)).toBe(false); // b waits behind a
    open();
    await Promise.all([a, b]);
    recorder.close();
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ state: 'b' });
  });

  it('never replaces the final snapshot with one that was waiting for its records', async () => {
    const { path, recorder, open } = slowJournal({ firstSyncOnly: false });
    recorder.changed(() => ({
      snapshot: { state: 'running' },
      records: [{ type: 'host-result', data: { host: 'h1' } }],
    }));
    const barrier = recorder.durable();
    await new Promise((r) => setTimeout(r, 20));
    recorder.final({ state: 'done' });
    open();
    await barrier;
    recorder.close();
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ state: 'done' });
  });

  it('lets no step act before its record and the snapshot of the state that started it are durable', async () => {
    const journal = Journal.create(join(dir, 'journal.jsonl'), { runId: 'r1' });
    const recorder = new RunRecorder(journal, join(dir, 'snapshot.json'));
    const order: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const sink = {
      append: (type: string, data: Record<string, unknown>) => {
        order.push(`${type} ${String(data['step'])}`);
        recorder.append(type, data);
      },
      durable: async () => {
        order.push('barrier');
        await gate;
        await recorder.durable();
        order.push('durable');
      },
    };
    const steps = fakeSteps();
    const wrapped: AllSteps = journaled(steps, sink);
    const bind = wrapped.bind(
      { host: 'h', binding: 'b', captured: { key: 'h/b' } },
      new AbortController().signal,
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(steps.calls).toEqual([]); // still waiting at the barrier
    release();
    await bind;
    recorder.close();
    expect(steps.calls).toEqual(['bind h/b']);
    expect(order).toEqual([
      'step-started bind',
      'barrier',
      'durable',
      'step-finished bind',
      'barrier',
      'durable',
    ]);
    expect(readJournal(join(dir, 'journal.jsonl')).records.map((r) => r.type)).toEqual([
      'journal-opened',
      'step-started',
      'step-finished',
    ]);
  });
});
