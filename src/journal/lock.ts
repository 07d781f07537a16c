// Environment locks on the control machine: one rollout per environment at a time. A lock is a
// file created with O_EXCL holding an id, owner, machine, pid and heartbeat. A lock is never taken
// over silently: a dead holder is reported with its heartbeat's age and `certroll unlock ID`.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash, randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { CertrollError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';

export interface LockInfo {
  readonly id: string;
  readonly scope: string;
  readonly runId: string;
  readonly owner: string;
  readonly machine: string;
  readonly pid: number;
  readonly startedAt: string;
  readonly heartbeatAt: string;
}

export interface HeldLock {
  readonly info: LockInfo;
  heartbeat(): void;
  release(): void;
}

function lockPath(dir: string, scope: string): string {
  const slug = scope.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 48);
  return join(dir, `${slug}-${createHash('sha256').update(scope).digest('hex').slice(0, 12)}.lock`);
}

/**
 * Takes the lock on `scope`. With `resuming`, a lock left by the same run (a crashed process of
 * it) is taken back: that is the run continuing, not a takeover.
 */
export function acquireLock(
  dir: string,
  scope: string,
  runId: string,
  now: () => Date = () => new Date(),
  resuming = false,
): HeldLock {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = lockPath(dir, scope);
  const at = now().toISOString();
  const info: LockInfo = {
    id: randomUUID(),
    scope,
    runId,
    owner: safeUser(),
    machine: hostname(),
    pid: process.pid,
    startedAt: at,
    heartbeatAt: at,
  };
  try {
    writeFileSync(path, `${JSON.stringify(info, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const held = readLock(path);
    if (!(resuming && held?.runId === runId)) throw heldError(held, scope, now());
    writeFileAtomic(path, `${JSON.stringify(info, null, 2)}\n`);
  }
  let current = info;
  return {
    get info() {
      return current;
    },
    heartbeat() {
      current = { ...current, heartbeatAt: now().toISOString() };
      writeFileAtomic(path, `${JSON.stringify(current, null, 2)}\n`);
    },
    release() {
      // Remove only our own lock: an operator may have unlocked and another run taken it.
      if (readLock(path)?.id === current.id) rmSync(path, { force: true });
    },
  };
}

export function listLocks(dir: string): LockInfo[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.lock'))
    .map((f) => readLock(join(dir, f)))
    .filter((l): l is LockInfo => l !== undefined);
}

/** Removes the lock with this id (the operator's explicit `certroll unlock ID`). */
export function unlock(dir: string, id: string): LockInfo {
  for (const lock of listLocks(dir)) {
    if (lock.id === id) {
      rmSync(lockPath(dir, lock.scope), { force: true });
      return lock;
    }
  }
  throw new CertrollError('USAGE', `No lock with id ${id}.`, {
    hint: 'List the locks held, with their ids, with `certroll runs`.',
  });
}

function readLock(path: string): LockInfo | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

function heldError(lock: LockInfo | undefined, scope: string, now: Date): CertrollError {
  if (lock === undefined) {
    return new CertrollError('LOCK_HELD', `${scope} is locked, and the lock file cannot be read.`, {
      hint: 'Another rollout may be starting right now; try again in a moment.',
    });
  }
  const age = Math.round((now.getTime() - Date.parse(lock.heartbeatAt)) / 1000);
  return new CertrollError(
    'LOCK_HELD',
    `${scope} is locked by run ${lock.runId} (${lock.owner} on ${lock.machine}, pid ${lock.pid}, started ${lock.startedAt}, last heartbeat ${age}s ago).`,
    {
      hint: `Wait for that run to finish. If it is dead, inspect it with \`certroll show ${lock.runId}\`, then \`certroll unlock ${lock.id}\`; certroll never takes a lock over by itself.`,
    },
  );
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid-${process.getuid?.() ?? '?'}`;
  }
}

/** The locks of every environment a run touches, held together and kept alive by a heartbeat. */
export interface EnvironmentLocks {
  readonly runId: string;
  release(): void;
}

/**
 * Takes `env:NAME` for each environment, all or none. The caller takes them before it reads any
 * host (a plan's freshness check included), so a second run is refused before it logs in
 * anywhere, and releases them when the run ends.
 */
export function lockEnvironments(
  dir: string,
  envs: readonly string[],
  runId: string,
  resuming = false,
  heartbeatMs = 15_000,
): EnvironmentLocks {
  const locks: HeldLock[] = [];
  try {
    for (const env of new Set(envs))
      locks.push(acquireLock(dir, `env:${env}`, runId, undefined, resuming));
  } catch (error) {
    for (const l of locks) l.release();
    throw error;
  }
  const heartbeat = setInterval(() => {
    for (const l of locks) l.heartbeat();
  }, heartbeatMs);
  heartbeat.unref();
  return {
    runId,
    release() {
      clearInterval(heartbeat);
      for (const l of locks) l.release();
    },
  };
}
