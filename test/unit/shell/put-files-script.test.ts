// Several files written by one command from one stdin, run by the real /bin/sh.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PUT_FILES_TOOLS_CHECK, putFilesScript } from '../../../src/shell/sh.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'certroll-putfiles-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sh = (script: string, stdin: Buffer) =>
  spawnSync('/bin/sh', ['-c', script], { input: stdin, encoding: 'utf8' });

describe('putFilesScript', () => {
  it('writes each file with exactly its bytes and mode, binary and empty ones included', () => {
    const files = [
      {
        path: join(dir, 'cert.pem'),
        mode: 0o644,
        data: Buffer.from('-----BEGIN CERT-----\nAAA\n'),
      },
      { path: join(dir, 'empty'), mode: 0o600, data: Buffer.alloc(0) },
      {
        path: join(dir, 'key with space.pem'),
        mode: 0o600,
        data: Buffer.from([0, 1, 255, 10, 13, 0]),
      },
      { path: join(dir, "it's $(x)"), mode: 0o640, data: Buffer.from('last\n') },
    ];
    const script = putFilesScript(
      files.map((f) => ({ path: f.path, mode: f.mode, size: f.data.length })),
    );
    const r = sh(script, Buffer.concat(files.map((f) => f.data)));
    expect(r.status, r.stderr).toBe(0);
    for (const f of files) {
      expect(readFileSync(f.path)).toEqual(f.data);
      expect(statSync(f.path).mode & 0o777).toBe(f.mode);
    }
    // No temp file is left, and no data is in the script.
    expect(readdirSync(dir).sort()).toEqual(files.map((f) => f.path.slice(dir.length + 1)).sort());
    expect(script).not.toContain('BEGIN CERT');
  });

  it('fails on short data and leaves neither the file nor a temp file', () => {
    const path = join(dir, 'key.pem');
    const r = sh(putFilesScript([{ path, mode: 0o600, size: 100 }]), Buffer.from('only ten b'));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('short data');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a target that is a directory and writes nothing after it', () => {
    mkdirSync(join(dir, 'isdir'));
    const files = [
      { path: join(dir, 'isdir'), mode: 0o600, size: 1 },
      { path: join(dir, 'after'), mode: 0o600, size: 1 },
    ];
    const r = sh(putFilesScript(files), Buffer.from('ab'));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('is a directory');
    expect(readdirSync(dir)).toEqual(['isdir']);
  });

  it('rejects bad sizes and modes before anything runs', () => {
    expect(() => putFilesScript([{ path: '/x', mode: 0o600, size: -1 }])).toThrow(RangeError);
    expect(() => putFilesScript([{ path: '/x', mode: 0o10000, size: 1 }])).toThrow(RangeError);
    expect(() => putFilesScript([{ path: '', mode: 0o600, size: 1 }])).toThrow(RangeError);
  });
});

describe('PUT_FILES_TOOLS_CHECK (run by the pre-flight)', () => {
  it('passes where dd and wc exist, and names the missing tool where not', () => {
    expect(spawnSync('/bin/sh', ['-c', PUT_FILES_TOOLS_CHECK], { encoding: 'utf8' }).status).toBe(
      0,
    );
    const r = spawnSync('/bin/sh', ['-c', PUT_FILES_TOOLS_CHECK], {
      encoding: 'utf8',
      env: { PATH: '/nonexistent' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('certroll: dd is not installed');
  });
});
