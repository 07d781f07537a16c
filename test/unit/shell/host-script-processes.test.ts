// How many programs certroll's own host scripts start: each costs the host about 4 ms of CPU
// (5 ms inside `$(...)`), which on a fleet decides both the hosts' load and the run's time. Each
// script runs under strace (test/helpers/strace.ts), which logs every exec of it and its children.
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certScript, listenScript } from '../../../src/discover/sh-scripts.js';
import { prepareStagingScript, stagingPaths } from '../../../src/playbooks/staging.js';
import { shLockAcquire, shLockRelease } from '../../../src/shell/host-lock.js';
import { putFilesScript } from '../../../src/shell/sh.js';
import { traceScript } from '../../helpers/strace.js';
import { tempDirEach } from '../../helpers/temp.js';

const dir = tempDirEach('certroll-processes-');

/** The programs `script` starts (the shell itself not counted), and its result. */
function programsStarted(script: string, stdin = '') {
  const t = traceScript(script, { stdin });
  return {
    status: t.exitCode,
    stderr: t.stderr,
    count: t.programs.length - 1,
    programs: t.programs,
  };
}

describe('processes started on the host', () => {
  it('staging five files: one dd each, one wc, one chmod, one mv each (21 before)', () => {
    const p = stagingPaths(dir(), 'run-1', 'web_443');
    const prepare = programsStarted(prepareStagingScript(p));
    expect(prepare.status, prepare.stderr).toBe(0);
    const sizes = { cert: 668, chain: 635, fullchain: 1303, key: 241, combined: 1544 };
    const files = Object.entries(sizes).map(([name, size]) => ({
      path: join(p.dir, `${name}.pem`),
      mode: 0o600,
      size,
    }));
    const data = files.map((f, i) => String.fromCharCode(65 + i).repeat(f.size)).join('');
    const put = programsStarted(putFilesScript(files), data);
    expect(put.status, put.stderr).toBe(0);
    expect(put.count, put.programs.join('\n')).toBe(12);
    for (const f of files) expect(statSync(f.path).mode & 0o777).toBe(0o600);
    expect(readdirSync(p.dir).sort()).toEqual(
      ['backup', ...files.map((f) => f.path.slice(p.dir.length + 1))].sort(),
    );
  });

  it('the staging folders: one mkdir for the missing ones (6 before), one chmod when all are there (3 before)', () => {
    const p = stagingPaths(dir(), 'run-1', 'web_443');
    const fresh = programsStarted(prepareStagingScript(p));
    expect(fresh.status, fresh.stderr).toBe(0);
    expect(fresh.count, fresh.programs.join('\n')).toBe(1);
    for (const d of [p.runDir, p.dir, p.backupDir]) expect(statSync(d).mode & 0o777).toBe(0o700);
    const again = programsStarted(prepareStagingScript(p));
    expect(again.status, again.stderr).toBe(0);
    expect(again.count, again.programs.join('\n')).toBe(1);
    // Another binding of the same run: the run folder is there, its own folders are not.
    const other = programsStarted(prepareStagingScript(stagingPaths(dir(), 'run-1', 'web_8443')));
    expect(other.status, other.stderr).toBe(0);
    expect(other.count, other.programs.join('\n')).toBe(2);
  });

  it('the host lock: its owner read by the shell, not by cat (release 2 before, reacquire 2)', () => {
    const lock = join(dir(), 'certroll.lock');
    const taken = programsStarted(shLockAcquire(lock, 'run-1'));
    expect([taken.status, taken.count]).toEqual([0, 1]);
    const again = programsStarted(shLockAcquire(lock, 'run-1'));
    expect([again.status, again.count], again.programs.join('\n')).toEqual([0, 1]);
    const other = programsStarted(shLockAcquire(lock, 'run-2'));
    expect([other.status, other.stderr.trim()]).toEqual([3, 'held by run run-1']);
    const released = programsStarted(shLockRelease(lock, 'run-1'));
    expect([released.status, released.count], released.programs.join('\n')).toEqual([0, 1]);
    expect(existsSync(lock)).toBe(false);
  });

  it('discovery: ss and ps for the listeners (id before), one awk per certificate file (awk | head before)', () => {
    const listen = programsStarted(listenScript());
    expect(listen.status, listen.stderr).toBe(0);
    expect(listen.programs.slice(1)).toEqual(['ss', 'ps']);
    const pem = '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n';
    const files = ['a.pem', 'b.pem'].map((n) => join(dir(), n));
    for (const f of files) writeFileSync(f, `${pem}-----BEGIN PRIVATE KEY-----\nAA==\n`);
    const certs = programsStarted(certScript(files));
    expect(certs.status, certs.stderr).toBe(0);
    expect(certs.count, certs.programs.join('\n')).toBe(2);
  });
});
