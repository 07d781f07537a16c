import { readFileSync, statSync } from 'node:fs';
import { CertrollError } from '../errors.js';

/** No certificate bundle is anywhere near this large; refuse before parsing anything. */
export const MAX_INPUT_BYTES = 1024 * 1024;

/** Reads a bundle, key or chain file, refusing missing, unreadable and oversized ones. */
export function readInput(path: string, what: string, maxBytes = MAX_INPUT_BYTES): Buffer {
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) {
      throw new CertrollError('INPUT_UNREADABLE', `${what} ${path} is not a regular file`, {
        hint: 'Give the path of the file itself.',
      });
    }
    size = stat.size;
  } catch (error) {
    if (error instanceof CertrollError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new CertrollError('INPUT_NOT_FOUND', `${what} ${path} does not exist`, {
        hint: 'Check the path (it is relative to the current directory).',
        cause: error,
      });
    }
    throw unreadable(path, what, error);
  }
  if (size > maxBytes) {
    throw new CertrollError(
      'INPUT_TOO_LARGE',
      `${what} ${path} is ${size} bytes; certroll reads at most ${maxBytes}`,
      { hint: 'Is this the right file? A certificate bundle is a few kilobytes.' },
    );
  }
  try {
    const data = readFileSync(path);
    // The file may have grown between stat and read.
    if (data.length > maxBytes) {
      throw new CertrollError(
        'INPUT_TOO_LARGE',
        `${what} ${path} is larger than ${maxBytes} bytes`,
        {},
      );
    }
    return data;
  } catch (error) {
    if (error instanceof CertrollError) throw error;
    throw unreadable(path, what, error);
  }
}

function unreadable(path: string, what: string, error: unknown): CertrollError {
  const reason = error instanceof Error ? error.message : String(error);
  return new CertrollError('INPUT_UNREADABLE', `${what} ${path} cannot be read: ${reason}`, {
    hint: 'Check the file permissions.',
    cause: error,
  });
}
