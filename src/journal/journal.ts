// The run journal: append-only JSON lines, each checksummed and fsynced before the side effect it
// announces starts (invariant 4). A crash can tear only the last line; a torn tail is reported and
// ignored, anything else that fails its checksum makes the journal invalid. `append` writes and
// fsyncs at once; `write` + `sync` let a run group the fsyncs of records written close together
// (one fsync covers them all) without blocking the event loop, and a step awaits `sync` before it
// acts.
import {
  closeSync,
  existsSync,
  fsync,
  fsyncSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { CertrollError } from '../errors.js';
import { GroupCommit } from './group-commit.js';

// 2: slim snapshots, which name the journal's run-ref and host-result records
// (src/workflow/persisted.ts). A version 1 run (whole snapshots) is still read and resumed: its
// snapshots pass through unchanged. Older certrolls refuse version 2, which they could not resume.
export const JOURNAL_VERSION = 2;
const READS: ReadonlySet<unknown> = new Set([1, 2]);

export interface JournalRecord {
  readonly seq: number;
  readonly at: string;
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
}

interface StoredLine extends JournalRecord {
  readonly sum: string;
}

export interface JournalContents {
  readonly records: readonly JournalRecord[];
  /** True when the last line was cut short by a crash (it is not part of `records`). */
  readonly tornTail: boolean;
}

/** The first line of a journal that is not the next valid record; nothing after it is read. */
export interface JournalDamage {
  /** 1-based line number in the journal file. */
  readonly line: number;
  readonly reason: 'checksum mismatch' | 'unparseable' | 'not a journal record' | 'out of sequence';
  /** More about it, when there is more: "sequence 7, expected 3". */
  readonly detail?: string;
  /** Lines after the damaged one, none of them read. */
  readonly linesAfter: number;
}

/** A journal read up to its first damaged line: every valid record before it, and the damage. */
export interface InspectedJournal extends JournalContents {
  readonly damaged?: JournalDamage;
}

function checksum(record: JournalRecord): string {
  return createHash('sha256')
    .update(JSON.stringify([record.seq, record.at, record.type, record.data]))
    .digest('hex')
    .slice(0, 16);
}

export class Journal {
  private seq: number;
  /** Group-committed fsyncs of the records `write` leaves to the disk, and the fd they use. */
  private readonly commit: GroupCommit;
  private syncFd: number | undefined;

  private constructor(
    readonly path: string,
    last: number,
  ) {
    this.seq = last;
    this.commit = new GroupCommit(
      () => this.fsync(),
      () => this.seq,
      `journal ${path}`,
    );
    this.commit.markDurable(last);
  }

  /** Creates a new journal, stamped with its version as the first record. */
  static create(path: string, header: Record<string, unknown>): Journal {
    const fd = openSync(path, 'wx', 0o600);
    closeSync(fd);
    const journal = new Journal(path, 0);
    journal.append('journal-opened', { version: JOURNAL_VERSION, ...header });
    return journal;
  }

  /** Opens an existing journal for appending after checking every record. */
  static open(path: string): { journal: Journal; contents: JournalContents } {
    const contents = readJournal(path);
    const last = contents.records.at(-1)?.seq ?? 0;
    return { journal: new Journal(path, last), contents };
  }

  /** Writes a record and fsyncs it before returning. */
  append(type: string, data: Record<string, unknown> = {}): JournalRecord {
    return this.writeRecord(type, data, true);
  }

  /** Writes a record without waiting for the disk; `sync()` makes it durable. */
  write(type: string, data: Record<string, unknown> = {}): JournalRecord {
    return this.writeRecord(type, data, false);
  }

  /**
   * Resolves once every record written before the call is on disk. Calls made while an fsync is
   * in flight share the next one (group commit); the event loop is never blocked.
   */
  sync(): Promise<void> {
    return this.commit.upTo(this.seq);
  }

  private fsync(): Promise<void> {
    this.syncFd ??= openSync(this.path, 'a', 0o600);
    const fd = this.syncFd;
    return new Promise<void>((resolve, reject) => {
      fsync(fd, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Releases the fd `sync` keeps open. */
  close(): void {
    if (this.syncFd !== undefined) closeSync(this.syncFd);
    this.syncFd = undefined;
  }

  private writeRecord(
    type: string,
    data: Record<string, unknown>,
    durable: boolean,
  ): JournalRecord {
    const record: JournalRecord = { seq: this.seq + 1, at: new Date().toISOString(), type, data };
    const line: StoredLine = { ...record, sum: checksum(record) };
    const bytes = Buffer.from(`${JSON.stringify(line)}\n`);
    const fd = openSync(this.path, 'a', 0o600);
    try {
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.seq = record.seq;
    if (durable) this.commit.markDurable(record.seq);
    return record;
  }
}

export function readJournal(path: string): JournalContents {
  const { damaged, ...contents } = inspectJournal(path);
  if (damaged !== undefined) throw journalDamageError(path, damaged);
  return contents;
}

/**
 * Reads the valid records up to the first damaged line and reports that line instead of
 * throwing, for views (`certroll show`) that must still tell what the journal says. Anything
 * that acts on a run (resume, rollback) uses readJournal, which refuses a damaged journal.
 */
export function inspectJournal(path: string): InspectedJournal {
  if (!existsSync(path)) {
    throw new CertrollError('RUN_NOT_FOUND', `No journal at ${path}.`, {
      hint: 'List runs with `certroll runs`.',
    });
  }
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const endsClean = text.endsWith('\n') || text === '';
  if (endsClean) lines.pop();
  const records: JournalRecord[] = [];
  let tornTail = false;
  let damaged: JournalDamage | undefined;
  for (const [index, raw] of lines.entries()) {
    const isLast = index === lines.length - 1;
    const parsed = parseLine(raw);
    const at = { line: index + 1, linesAfter: lines.length - index - 1 };
    if ('problem' in parsed) {
      // Only an unterminated last line can come from a crash mid-write.
      if (isLast && !endsClean) {
        tornTail = true;
        break;
      }
      damaged = { ...at, reason: parsed.problem };
      break;
    }
    if (parsed.seq !== records.length + 1) {
      const detail = `sequence ${parsed.seq}, expected ${records.length + 1}`;
      damaged = { ...at, reason: 'out of sequence', detail };
      break;
    }
    records.push(parsed);
  }
  const version = records[0]?.data['version'];
  if (records.length > 0 && !READS.has(version)) {
    throw new CertrollError(
      'JOURNAL_INVALID',
      `Journal ${path} has version ${String(version)}; this certroll reads versions ${[...READS].join(' and ')}.`,
      {
        hint: 'Resume the run with the certroll version that started it.',
      },
    );
  }
  return { records, tornTail, ...(damaged !== undefined && { damaged }) };
}

type Parsed = JournalRecord | { problem: Exclude<JournalDamage['reason'], 'out of sequence'> };

function parseLine(raw: string): Parsed {
  let value: Partial<StoredLine>;
  try {
    value = JSON.parse(raw) as Partial<StoredLine>;
  } catch {
    return { problem: 'unparseable' };
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof value.seq !== 'number' ||
    typeof value.at !== 'string' ||
    typeof value.type !== 'string' ||
    typeof value.data !== 'object' ||
    value.data === null
  )
    return { problem: 'not a journal record' };
  const record: JournalRecord = {
    seq: value.seq,
    at: value.at,
    type: value.type,
    data: value.data,
  };
  return checksum(record) === value.sum ? record : { problem: 'checksum mismatch' };
}

/** The refusal of a damaged journal: JOURNAL_INVALID at the damaged line. */
export function journalDamageError(path: string, damage: JournalDamage): CertrollError {
  const detail = damage.detail === undefined ? '' : ` (${damage.detail})`;
  return invalid(path, damage.line, `is damaged: ${damage.reason}${detail}`);
}

function invalid(path: string, line: number, why: string): CertrollError {
  return new CertrollError('JOURNAL_INVALID', `Journal record ${why}.`, {
    file: path,
    line,
    hint: 'The journal was changed or damaged after it was written; inspect it with `certroll show RUN` and roll back by hand if needed.',
  });
}
