// Atomic persistence: write a temp file in the same folder, fsync it, rename it over the target,
// then fsync the folder so the rename itself survives a crash. A reader (resume, node_exporter's
// textfile collector) sees the old file or the new one, never half of one; the temporary name
// starts with a dot and ends in `.tmp`, so a collector matching `*.prom` never reads it.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';

export function writeFileAtomic(path: string, data: string | Buffer, mode = 0o600): void {
  replaceFile(path, data, mode, true);
  fsyncDir(dirname(path));
}

/**
 * The same temp-and-rename, without waiting for the disk (`durable` false): a reader still sees
 * the old file or the new one; `fsyncReplaced` later makes it survive a power loss.
 */
export function replaceFile(path: string, data: string | Buffer, mode = 0o600, durable = false) {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
    if (durable) fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw error;
  }
}

/** fsyncs a file written by `replaceFile`, then its folder (the rename), off the event loop. */
export async function fsyncReplaced(path: string): Promise<void> {
  const file = await open(path, 'r');
  try {
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    const dir = await open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // Some file systems refuse fsync on a folder; the rename itself already happened.
  }
}

export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems refuse fsync on a folder; the rename itself already happened.
  }
}
