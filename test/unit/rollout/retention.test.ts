import { describe, expect, it } from 'vitest';
import { ageMs } from '../../../src/inventory/duration.js';
import { type HostBackup, type RunBackups } from '../../../src/rollout/backups.js';
import { chooseRetention } from '../../../src/rollout/retention.js';

const NOW = new Date('2026-12-31T00:00:00Z');
const DAY = 86_400_000;

/** A run that staged on `hosts` `daysAgo` days before NOW, its backups still kept. */
function run(
  id: string,
  daysAgo: number,
  hosts: readonly string[],
  o: { finished?: boolean; state?: HostBackup['state']; kind?: 'files' | 'store' } = {},
): RunBackups {
  const takenAt = new Date(NOW.getTime() - daysAgo * DAY).toISOString();
  return {
    run: id,
    finished: o.finished ?? true,
    hosts: hosts.map((host) => ({
      run: id,
      env: 'prod',
      host,
      takenAt,
      state: o.state ?? 'kept',
      bindings: [
        {
          binding: '443',
          port: 443,
          kind: o.kind === 'store' ? 'iis' : 'nginx',
          kept:
            o.kind === 'store'
              ? { type: 'store', store: 'LocalMachine\\My' }
              : { type: 'files', dir: `/var/tmp/certroll-${id}/443/backup` },
        },
      ],
    })),
  };
}

const chosen = (
  runs: RunBackups[],
  policy: Parameters<typeof chooseRetention>[1],
  locked: string[] = [],
) => {
  const c = chooseRetention(runs, policy, NOW, { locked: new Set(locked) });
  return {
    purge: c.purge.map((i) => `${i.backup.run} ${i.backup.host}`),
    keep: c.keep.map((i) => `${i.backup.run} ${i.backup.host}: ${i.reason}`),
  };
};

describe('the retention policy of purge', () => {
  const runs = [
    run('r4', 1, ['web-01']),
    run('r3', 10, ['web-01', 'web-02']),
    run('r2', 40, ['web-01']),
    run('r1', 50, ['web-02']),
  ];

  it('--older-than purges what is older, whatever the host', () => {
    expect(chosen(runs, { olderThanMs: 30 * DAY }).purge).toEqual(['r2 web-01', 'r1 web-02']);
  });

  it('--keep N keeps the newest N finished runs on each host, counted per host', () => {
    const c = chosen(runs, { keep: 1 });
    // web-01: r4 is newest; web-02: r3 is newest (r4 never touched it).
    expect(c.purge).toEqual(['r3 web-01', 'r2 web-01', 'r1 web-02']);
    expect(c.keep).toEqual([
      'r4 web-01: one of the newest 1 on web-01',
      'r3 web-02: one of the newest 1 on web-02',
    ]);
  });

  it('with both, a backup stays when either rule keeps it', () => {
    // r3 on web-01 is neither among the newest 1 nor older than 30 days: it stays.
    expect(chosen(runs, { olderThanMs: 30 * DAY, keep: 1 }).purge).toEqual([
      'r2 web-01',
      'r1 web-02',
    ]);
    // keep 2 saves r1 on web-02 (second newest there) though it is 50 days old.
    expect(chosen(runs, { olderThanMs: 30 * DAY, keep: 2 }).purge).toEqual(['r2 web-01']);
  });

  it('never purges an unfinished or a locked run, and does not count an unfinished one among the newest', () => {
    const withOpen = [run('r5', 0, ['web-01'], { finished: false }), ...runs];
    const c = chosen(withOpen, { keep: 1 }, ['r2']);
    expect(c.purge).toEqual(['r3 web-01', 'r1 web-02']);
    expect(c.keep).toContain('r5 web-01: the run has not finished');
    expect(c.keep).toContain('r4 web-01: one of the newest 1 on web-01');
    expect(c.keep).toContain('r2 web-01: the run holds a lock (a rollback or resume under way)');
  });

  it('leaves out what is already purged or has nothing a purge removes', () => {
    const c = chosen(
      [
        run('r2', 40, ['web-01'], { state: 'rolled-back' }),
        run('r1', 50, ['win-01'], { kind: 'store' }),
      ],
      { keep: 0 },
    );
    expect(c).toEqual({ purge: [], keep: [] });
  });

  it('one run named: only its backups are chosen, the newest N still counted over every run', () => {
    const c = chooseRetention(runs, { keep: 1 }, NOW, { locked: new Set(), run: 'r3' });
    expect(c.purge.map((i) => i.backup.host)).toEqual(['web-01']);
    expect(c.keep.map((i) => i.backup.host)).toEqual(['web-02']);
  });

  it('refuses an empty policy rather than purging everything', () => {
    expect(() => chooseRetention(runs, {}, NOW, { locked: new Set() })).toThrow(
      /--older-than or --keep/,
    );
  });
});

describe('purge ages', () => {
  it('reads days first, then the inventory duration units', () => {
    expect(ageMs('30d')).toBe(30 * DAY);
    expect(ageMs('1d12h')).toBe(1.5 * DAY);
    expect(ageMs('90m')).toBe(90 * 60_000);
    expect(ageMs('500ms')).toBe(500);
    for (const bad of ['', 'soon', '30', 'd', '1h1d', '-1d']) expect(ageMs(bad)).toBeNaN();
  });
});
