import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalTransport } from '../../../src/transport/local/local-transport.js';
import {
  acquireHostLock,
  acquireHostLockThen,
  releaseHostLock,
} from '../../../src/workflow/host-lock.js';
import { localHost } from '../../lab/index.js';
import { tempDir } from '../../helpers/temp.js';

const dir = tempDir('certroll-hostlock-');

const host = localHost('local', { commandTimeoutMs: 10_000 });
const t = new LocalTransport(host);

describe('the host lock (real sh)', () => {
  it('is taken by one run, refused to another, taken again by the same run, and released by its owner only', async () => {
    const path = join(dir, 'a.lock');
    await acquireHostLock(t, 'run-1', path);
    expect(readFileSync(join(path, 'owner'), 'utf8').trim()).toBe('run-1');
    await expect(acquireHostLock(t, 'run-2', path)).rejects.toMatchObject({
      code: 'LOCK_HELD',
      message: expect.stringContaining('held by run run-1'),
    });
    await acquireHostLock(t, 'run-1', path);
    await releaseHostLock(t, 'run-2', path);
    expect(existsSync(path)).toBe(true);
    await releaseHostLock(t, 'run-1', path);
    expect(existsSync(path)).toBe(false);
    await releaseHostLock(t, 'run-1', path);
  });

  it('treats hostile run ids and paths as data', async () => {
    const marker = join(dir, 'pwned');
    const path = join(dir, `x'; touch ${marker}; echo '$(touch ${marker})`);
    mkdirSync(dirname(path), { recursive: true });
    await acquireHostLock(t, `r\`touch ${marker}\``, path);
    await releaseHostLock(t, `r\`touch ${marker}\``, path);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(path)).toBe(false);
  });

  it("runs what follows the lock in its command only once the lock is taken, with the rest's own status and stdout", async () => {
    const path = join(dir, 'then.lock');
    const ran = join(dir, 'then-ran');
    await acquireHostLock(t, 'run-1', path);
    await expect(
      acquireHostLockThen(t, 'run-2', path, `touch '${ran}'; echo captured`),
    ).rejects.toMatchObject({ code: 'LOCK_HELD' });
    expect(existsSync(ran)).toBe(false);
    const r = await acquireHostLockThen(t, 'run-1', path, `touch '${ran}'; echo captured; exit 5`);
    expect(r).toMatchObject({ exitCode: 5, stdout: 'captured\n' });
    expect(existsSync(ran)).toBe(true);
    await releaseHostLock(t, 'run-1', path);
  });

  it('reports a lock folder it cannot create as a command failure, not as held', async () => {
    writeFileSync(join(dir, 'file'), '');
    await expect(acquireHostLock(t, 'run-1', join(dir, 'file', 'sub.lock'))).rejects.toMatchObject({
      code: 'TRANSPORT_COMMAND_FAILED',
    });
  });
});
