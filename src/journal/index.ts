export { writeFileAtomic, fsyncDir, replaceFile, fsyncReplaced } from './atomic.js';
export { RunRecorder } from './run-recorder.js';
export {
  Journal,
  readJournal,
  inspectJournal,
  journalDamageError,
  JOURNAL_VERSION,
  type JournalRecord,
  type JournalContents,
  type JournalDamage,
  type InspectedJournal,
} from './journal.js';
export {
  acquireLock,
  listLocks,
  lockEnvironments,
  unlock,
  type EnvironmentLocks,
  type HeldLock,
  type LockInfo,
} from './lock.js';
export {
  resolveStateDir,
  newRunId,
  runPaths,
  locksDir,
  createRunFolder,
  findRun,
  listRunIds,
  readRun,
  inspectRun,
  type InspectedRun,
  type RunPaths,
  type RunRecord,
} from './runs.js';
