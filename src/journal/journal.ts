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
  for (const [index, raw] of lines.entries()) {
    const isLast = index === lines.length - 1;
    const parsed = parseLine(raw);
    if (parsed === undefined) {
      // Only an unterminated last line can come from a crash mid-write.
      if (isLast && !endsClean) {
        tornTail = true;
        break;
      }
      throw invalid(path, index + 1, 'fails its checksum or is not a journal record');
    }
    if (parsed.seq !== records.length + 1)
      throw invalid(path, index + 1, `has sequence ${parsed.seq}, expected ${records.length + 1}`);
    records.push({ seq: parsed.seq, at: parsed.at, type: parsed.type, data: parsed.data });
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
  return { records, tornTail };
}

function parseLine(raw: string): JournalRecord | undefined {
  try {
    const value = JSON.parse(raw) as Partial<StoredLine>;
    if (
      typeof value.seq !== 'number' ||
      typeof value.at !== 'string' ||
      typeof value.type !== 'string'
    )
      return undefined;
    if (typeof value.data !== 'object' || value.data === null) return undefined;
    const record: JournalRecord = {
      seq: value.seq,
      at: value.at,
      type: value.type,
      data: value.data,
    };
    return checksum(record) === value.sum ? record : undefined;
  } catch {
    return undefined;
  }
}

function invalid(path: string, line: number, why: string): CertrollError {
  return new CertrollError('JOURNAL_INVALID', `Journal record ${why}.`, {
    file: path,
    line,
    hint: 'The journal was changed or damaged after it was written; inspect it with `certroll show RUN` and roll back by hand if needed.',
  });
}
