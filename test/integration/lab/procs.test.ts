import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDaemonInside } from '../../lab/procs.js';

const dir = mkdtempSync(join(tmpdir(), 'certroll-procs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a daemon started through a forking launcher (namespaced lab hosts)', () => {
  it('is its own pid, not the launcher', async () => {
    const d = await startDaemonInside('forks', ['sh', '-c', 'sleep 30 & wait'], join(dir, 'a.log'));
    try {
      expect(existsSync(`/proc/${d.pid}/cmdline`)).toBe(true);
      // The child is found as soon as it is forked, possibly before it has exec'd sleep: its
      // name turns from sh to sleep within moments (the launcher's stays sh).
      const comm = (): string => readFileSync(`/proc/${d.pid}/comm`, 'utf8').trim();
      for (let i = 0; i < 100 && comm() !== 'sleep'; i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(comm()).toBe('sleep');
    } finally {
      await d.stop();
    }
  });

  it('fails, and ends the launcher, when the launcher forks no daemon in time (a loaded machine), instead of passing the launcher off as the daemon', async () => {
    const start = startDaemonInside('slow', ['sh', '-c', 'exec sleep 5'], join(dir, 'b.log'), 300);
    await expect(start).rejects.toThrow(
      /slow: its launcher \(pid \d+\) forked no daemon within 300 ms/,
    );
  });
});
