import { appendFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  inspectJournal,
  Journal,
  readJournal,
  writeFileAtomic,
} from '../../../src/journal/index.js';
import type { CertrollError } from '../../../src/errors.js';
import { tempDirEach } from '../../helpers/temp.js';

const dir = tempDirEach('certroll-journal-');

describe('the journal', () => {
  it('reads back every appended record in order, with the version header first', () => {
    const path = join(dir(), 'journal.jsonl');
    const j = Journal.create(path, { runId: 'r1' });
    j.append('step-started', { host: 'web-01', step: 'bind' });
    j.append('step-finished', { host: 'web-01', step: 'bind', ok: true });
    const { records, tornTail } = readJournal(path);
    expect(tornTail).toBe(false);
    expect(records.map((r) => r.type)).toEqual(['journal-opened', 'step-started', 'step-finished']);
    expect(records[0]!.data).toMatchObject({ version: 2, runId: 'r1' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('continues numbering after being reopened', () => {
    const path = join(dir(), 'journal.jsonl');
    Journal.create(path, {}).append('a');
    const { journal } = Journal.open(path);
    expect(journal.append('b').seq).toBe(3);
  });

  it('tolerates a last line torn by a crash and reports it', () => {
    const path = join(dir(), 'journal.jsonl');
    Journal.create(path, {}).append('a');
    appendFileSync(path, '{"seq":3,"at":"2026-');
    const { records, tornTail } = readJournal(path);
    expect(tornTail).toBe(true);
    expect(records).toHaveLength(2);
  });

  it('refuses a record changed after it was written, naming the line', () => {
    const path = join(dir(), 'journal.jsonl');
    const j = Journal.create(path, {});
    j.append('step-finished', { ok: false });
    j.append('other');
    writeFileSync(path, readFileSync(path, 'utf8').replace('"ok":false', '"ok":true '));
    expect(() => readJournal(path)).toThrowError(
      expect.objectContaining({
        code: 'JOURNAL_INVALID',
        location: { file: path, line: 2 },
      }) as CertrollError,
    );
  });

  it('inspects a damaged journal: the valid records before the first damaged line, and why', () => {
    const path = join(dir(), 'journal.jsonl');
    const j = Journal.create(path, {});
    j.append('a');
    j.append('b');
    j.append('c');
    const lines = readFileSync(path, 'utf8').split('\n');
    const damage = (edit: (l: string[]) => void) => {
      const copy = [...lines];
      edit(copy);
      writeFileSync(path, copy.join('\n'));
      return inspectJournal(path);
    };
    // Line 3 moved after line 4: a record out of sequence.
    const moved = damage((l) => l.splice(2, 2, l[3]!, l[2]!));
    expect(moved.records.map((r) => r.seq)).toEqual([1, 2]);
    expect(moved.damaged).toEqual({
      line: 3,
      reason: 'out of sequence',
      detail: 'sequence 4, expected 3',
      linesAfter: 1,
    });
    expect(damage((l) => (l[1] = '{"seq":2}')).damaged).toMatchObject({
      line: 2,
      reason: 'not a journal record',
    });
    expect(() => readJournal(path)).toThrow(/Journal record is damaged: not a journal record/);
  });

  it('reads a version 1 journal (a run from before slim snapshots)', () => {
    const path = join(dir(), 'journal.jsonl');
    Journal.create(path, { version: 1 }).append('step-started', { step: 'bind' });
    expect(readJournal(path).records.map((r) => r.type)).toEqual([
      'journal-opened',
      'step-started',
    ]);
  });

  it('refuses a journal of another version', () => {
    const path = join(dir(), 'journal.jsonl');
    Journal.create(path, { version: 99 });
    expect(() => readJournal(path)).toThrow(/version 99; this certroll reads versions 1 and 2/);
  });
});

describe('atomic writes', () => {
  it('replace the file whole with the requested mode and leave no temp file', () => {
    const path = join(dir(), 'snapshot.json');
    writeFileAtomic(path, 'one');
    writeFileAtomic(path, 'two', 0o640);
    expect(readFileSync(path, 'utf8')).toBe('two');
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir())).toEqual(['snapshot.json']);
  });
});
