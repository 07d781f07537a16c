// The run folder: one per run, under the state directory, holding the plan it executes, its
// journal, snapshots and audit log. Folders and files are private to the user (0700/0600).
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CertrollError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import {
  inspectJournal,
  readJournal,
  type InspectedJournal,
  type JournalContents,
} from './journal.js';

export interface RunPaths {
  readonly id: string;
  readonly dir: string;
  readonly plan: string;
  readonly journal: string;
  readonly snapshot: string;
  readonly audit: string;
}

/** `--state-dir`, else $CERTROLL_STATE_DIR, else $XDG_STATE_HOME/certroll, else ~/.local/state/certroll. */
export function resolveStateDir(
  explicit: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  if (explicit !== undefined && explicit !== '') return explicit;
  const fromEnv = env['CERTROLL_STATE_DIR'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const xdg = env['XDG_STATE_HOME'];
  return join(
    xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.local', 'state'),
    'certroll',
  );
}

const RUN_ID = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;

/** Sortable, unique run ids: `20261122T044600Z-3fa2c1`. */
export function newRunId(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export function runPaths(stateDir: string, id: string): RunPaths {
  const dir = join(stateDir, 'runs', id);
  return {
    id,
    dir,
    plan: join(dir, 'plan.json'),
    journal: join(dir, 'journal.jsonl'),
    snapshot: join(dir, 'snapshot.json'),
    audit: join(dir, 'audit.log'),
  };
}

export function locksDir(stateDir: string): string {
  return join(stateDir, 'locks');
}

export function createRunFolder(
  stateDir: string,
  plan: unknown,
  id: string = newRunId(),
): RunPaths {
  const paths = runPaths(stateDir, id);
  mkdirSync(join(stateDir, 'runs'), { recursive: true, mode: 0o700 });
  mkdirSync(paths.dir, { mode: 0o700 });
  writeFileAtomic(paths.plan, `${JSON.stringify(plan, null, 2)}\n`);
  return paths;
}

/** Finds a run by its id or a unique prefix of it. */
export function findRun(stateDir: string, idOrPrefix: string): RunPaths {
  const ids = listRunIds(stateDir).filter((id) => id.startsWith(idOrPrefix));
  if (ids.length === 1 && ids[0] !== undefined) return runPaths(stateDir, ids[0]);
  throw new CertrollError(
    'RUN_NOT_FOUND',
    ids.length === 0
      ? `No run ${idOrPrefix} in ${join(stateDir, 'runs')}.`
      : `Run id ${idOrPrefix} is ambiguous: ${ids.join(', ')}.`,
    { hint: 'List runs with `certroll runs`; pass --state-dir if the runs live elsewhere.' },
  );
}

export function listRunIds(stateDir: string): string[] {
  const dir = join(stateDir, 'runs');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => RUN_ID.test(name))
    .sort();
}

export interface RunRecord {
  readonly paths: RunPaths;
  readonly plan: unknown;
  readonly journal: JournalContents;
}

/** A run with its journal read up to the first damaged line (for `certroll show`). */
export interface InspectedRun extends RunRecord {
  readonly journal: InspectedJournal;
}

/** The run, refused (JOURNAL_INVALID) if any journal line is damaged: for acting on it. */
export function readRun(paths: RunPaths): RunRecord {
  return { paths, plan: readPlan(paths), journal: readJournal(paths.journal) };
}

/** The run with every valid record before a damaged line, and the damage: for showing it. */
export function inspectRun(paths: RunPaths): InspectedRun {
  return { paths, plan: readPlan(paths), journal: inspectJournal(paths.journal) };
}

function readPlan(paths: RunPaths): unknown {
  try {
    return JSON.parse(readFileSync(paths.plan, 'utf8'));
  } catch (error) {
    throw new CertrollError('JOURNAL_INVALID', `The plan of run ${paths.id} cannot be read.`, {
      file: paths.plan,
      cause: error,
      hint: 'The run folder is damaged; inspect it by hand.',
    });
  }
}
