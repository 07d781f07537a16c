import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveSecret } from '../../../src/transport/secrets.js';
import { tempDir } from '../../helpers/temp.js';

const dir = tempDir('certroll-secrets-');

describe('resolveSecret', () => {
  it('reads an environment variable and returns it for redaction', async () => {
    await expect(resolveSecret({ from: 'env', name: 'PW' }, { PW: 's3cret' })).resolves.toEqual({
      value: 's3cret',
      redact: ['s3cret'],
    });
  });

  it('names a missing variable without any value and says what to do', async () => {
    await expect(resolveSecret({ from: 'env', name: 'PW' }, {})).rejects.toMatchObject({
      code: 'INPUT_NOT_FOUND',
      message: 'The environment variable PW is not set.',
    });
  });

  it('reads a 0600 file, stripping one trailing newline only', async () => {
    const path = join(dir, 'pw');
    writeFileSync(path, 'line one\n\n', { mode: 0o600 });
    expect((await resolveSecret({ from: 'file', path })).value).toBe('line one\n');
    writeFileSync(path, 'crlf\r\n', { mode: 0o600 });
    expect((await resolveSecret({ from: 'file', path })).value).toBe('crlf');
  });

  it('refuses a secret file other users can read, with the chmod to run, never its content', async () => {
    const path = join(dir, 'open');
    writeFileSync(path, 'topsecret', { mode: 0o644 });
    const err = (await resolveSecret({ from: 'file', path }).catch((e: unknown) => e)) as Error & {
      hint: string;
    };
    expect(err).toMatchObject({ code: 'INPUT_UNREADABLE', hint: `Run: chmod 600 ${path}` });
    expect(err.message).toContain('mode 644');
    expect(err.message + err.hint).not.toContain('topsecret');
  });

  it('refuses an empty secret and a missing file', async () => {
    await expect(resolveSecret({ from: 'env', name: 'E' }, { E: '' })).rejects.toMatchObject({
      code: 'INPUT_UNREADABLE',
    });
    await expect(resolveSecret({ from: 'file', path: join(dir, 'none') })).rejects.toMatchObject({
      code: 'INPUT_NOT_FOUND',
    });
  });
});
