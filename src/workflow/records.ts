// What a run's journal holds, record by record: one typed union, so every reader (resume, `runs`,
// `show`, `rollback RUN`, the progress view) reads the same fields by name instead of picking
// through `Record<string, unknown>`. The journal itself (src/journal/journal.ts) stores any
// `{ type, data }`; `runRecord` narrows one of its records to this union.
import { type CertrollErrorJson } from '../errors.js';
import { type JournalRecord } from '../journal/journal.js';
import { type HostOutput, type HostStatus, type RolloutOutput, type RolloutRef } from './types.js';

/** Where a step ran: an environment, a host, a binding (the unit's leader), as it applies. */
export type StepWhere = {
  readonly step: string;
  readonly env?: string;
  readonly host?: string;
  readonly binding?: string;
};

/** A step's result, small and secret-free (src/workflow/journaled.ts `summary`). */
export type StepSummary = {
  readonly ok?: boolean;
  readonly observed?: string;
  readonly reason?: string;
  readonly alreadyCurrent?: boolean;
  readonly status?: string;
  readonly result?: unknown;
};

export type RunRecordData = {
  readonly 'journal-opened': {
    readonly version: number;
    readonly runId?: string;
    readonly inventory?: string;
    readonly bundle?: string;
    /** Who ran it (`--operator`, default the OS user) and for which change (`--ticket`). */
    readonly operator?: string;
    readonly ticket?: string;
    /** `--soak`: the soak every environment got instead of its policy's, and whose it replaced. */
    readonly soakOverride?: {
      readonly ms: number;
      readonly replaced: readonly { readonly env: string; readonly policyMs: number }[];
    };
  };
  readonly 'step-started': StepWhere & { readonly soakMs?: number };
  readonly 'step-finished': StepWhere & StepSummary;
  readonly 'step-failed': StepWhere & { readonly error: CertrollErrorJson };
  /** The rollout's input, once (slim snapshots name it: src/workflow/persisted.ts). */
  readonly 'run-ref': { readonly ref: RolloutRef };
  /** A finished host's output, written again if it changes. */
  readonly 'host-result': {
    readonly env: string;
    readonly host: string;
    readonly output: HostOutput;
  };
  readonly 'run-resumed': { readonly operator?: string; readonly ticket?: string };
  readonly 'run-finished': {
    readonly status: RolloutOutput['status'];
    readonly reason?: string;
    /** Each environment's end (absent in runs of older versions). */
    readonly environments?: readonly {
      readonly env: string;
      readonly status: string;
      readonly reason?: string;
    }[];
    /** How every host ended, without its captures (the last hosts have no `host-result`). */
    readonly hosts?: readonly { readonly env: string; readonly output: HostOutput }[];
  };
  /** The sweep after the run: whether a port still serves a replaced certificate, and its report. */
  readonly 'run-swept': { readonly clean: boolean; readonly text: string };
  readonly 'rollback-started': {
    readonly hosts: readonly string[];
    readonly operator?: string;
    readonly ticket?: string;
  };
  readonly 'host-rolled-back': {
    readonly env: string;
    readonly host: string;
    readonly status: HostStatus;
  };
  readonly 'rollback-finished': {
    readonly status: 'rolled-back' | 'needs-attention' | 'interrupted';
    readonly notStarted?: readonly string[];
  };
  readonly 'host-purged': { readonly host: string; readonly bindings: readonly string[] };
};

export type RunRecordType = keyof RunRecordData;

/** One journal record of a run, by its type. */
export type RunRecord = {
  [T in RunRecordType]: {
    readonly seq: number;
    readonly at: string;
    readonly type: T;
    readonly data: RunRecordData[T];
  };
}[RunRecordType];

export type RecordOf<T extends RunRecordType> = Extract<RunRecord, { type: T }>;

const TYPES: ReadonlySet<string> = new Set<RunRecordType>([
  'journal-opened',
  'step-started',
  'step-finished',
  'step-failed',
  'run-ref',
  'host-result',
  'run-resumed',
  'run-finished',
  'run-swept',
  'rollback-started',
  'host-rolled-back',
  'rollback-finished',
  'host-purged',
]);

/**
 * The record as one of the run's own, or undefined for a type this certroll does not write (a
 * newer one's); the journal's checksum already vouches for the data's shape.
 */
export function runRecord(r: JournalRecord): RunRecord | undefined {
  return TYPES.has(r.type) ? (r as unknown as RunRecord) : undefined;
}

/** The run's records of one type, in order. */
export function recordsOf<T extends RunRecordType>(
  records: readonly JournalRecord[],
  type: T,
): RecordOf<T>[] {
  return records.filter((r) => r.type === type).map((r) => r as unknown as RecordOf<T>);
}

/** Who ran the run and for which ticket, as its first record says (absent: an older run). */
export function runChange(
  records: readonly JournalRecord[],
): { operator: string; ticket?: string } | undefined {
  const opened = recordsOf(records, 'journal-opened')[0]?.data;
  if (opened?.operator === undefined) return undefined;
  return {
    operator: opened.operator,
    ...(opened.ticket !== undefined ? { ticket: opened.ticket } : {}),
  };
}

/** A sink that takes only the run's own records, each with its data's shape. */
export interface RunRecordSink {
  append<T extends RunRecordType>(type: T, data: RunRecordData[T]): unknown;
}
