import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { listRunIds, readJournal, runPaths } from '../../../src/journal/index.js';
import { type Issued, type Lab, useRenewalLab } from '../../lab/index.js';
import { BIN, runCli } from '../../helpers/cli.js';

// The real CLI over real SSH and nginx, killed with SIGKILL at journal points spread over a
// rollout, then `certroll resume`: the binding ends serving the new certificate, nothing staged
// and no lock is left, and the run records its end. (Every journal point is enumerated against
// file-backed hosts in test/integration/workflow/kill-resume.test.ts; this samples them on the lab.)
const fx = useRenewalLab({ hosts: 1, environments: (hosts) => [{ name: 'lab', hosts }] });
let lab: Lab;
let root: Issued;
let oldLeaf: Issued;
let newLeaf: Issued;
let stateOnHost: string;
beforeAll(() => {
  ({ lab, root, oldLeaf, newLeaf } = fx());
  stateOnHost = join(lab.hosts[0]!.dir, 'state');
});

const resetHost = () => fx().resetTo(oldLeaf);
const served = (until?: string) => fx().served(lab.hosts[0]!.address, until ? { until } : {});
const rolloutArgs = (dir: string) => ['rollout', ...fx().args(), '--yes', '--state-dir', dir];

/** Starts `certroll rollout` and SIGKILLs it as soon as its journal holds `killAt` records. */
async function rolloutKilledAt(
  dir: string,
  killAt: number,
): Promise<{ records: number; signal: string | null }> {
  const child = spawn(process.execPath, [BIN, ...rolloutArgs(dir)], { stdio: 'ignore' });
  const exited = new Promise<string | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  const deadline = Date.now() + 60_000;
  let records = 0;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    const run = listRunIds(dir)[0];
    const journal = run === undefined ? undefined : runPaths(dir, run).journal;
    if (journal !== undefined && existsSync(journal)) {
      records = readFileSync(journal, 'utf8')
        .split('\n')
        .filter((l) => l !== '').length;
      if (records >= killAt) {
        child.kill('SIGKILL');
        break;
      }
    }
    await new Promise((r) => setTimeout(r, 3));
  }
  return { records, signal: await exited };
}

describe('kill -9 of certroll rollout on the lab, then certroll resume', () => {
  it('finds how many journal records a whole rollout writes', () => {
    const dir = join(lab.dir, 'reference');
    const r = runCli(rolloutArgs(dir), { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const records = readJournal(runPaths(dir, listRunIds(dir)[0]!).journal).records;
    expect(records.length).toBeGreaterThan(12);
  }, 60_000);

  // Journal points spread over the rollout: connect/lock, capture, stage, bind, verify, cleanup.
  for (const killAt of [3, 6, 9, 12, 15]) {
    it(`ends verified after a kill at journal record ${killAt}`, async () => {
      await resetHost();
      // nginx reloads asynchronously: wait (bounded) for the old certificate to settle.
      expect(await served(oldLeaf.sha256)).toBe(oldLeaf.sha256);
      const dir = join(lab.dir, `kill-${killAt}`);
      const killed = await rolloutKilledAt(dir, killAt);
      expect(killed.signal).toBe('SIGKILL');
      const run = listRunIds(dir)[0]!;
      const resumed = runCli(
        ['resume', run, '--trust', root.certPath, '--yes', '--state-dir', dir],
        { timeoutMs: 60_000 },
      );
      expect(resumed.code, `kill at ${killed.records}: ${resumed.stderr}${resumed.stdout}`).toBe(0);
      expect(await served()).toBe(newLeaf.sha256);
      const journal = readJournal(runPaths(dir, run).journal).records;
      // The run ends with its finish, then the sweep's record.
      expect(journal.at(-2)).toMatchObject({ type: 'run-finished', data: { status: 'succeeded' } });
      expect(journal.at(-1)).toMatchObject({ type: 'run-swept', data: { clean: true } });
      expect(journal.some((r) => r.type === 'run-resumed')).toBe(true);
      // No staged key and no host lock left: only the kept backups of the previous files.
      const left = readdirSync(stateOnHost, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() || e.name === 'certroll.lock')
        .map((e) => join(e.parentPath, e.name).slice(stateOnHost.length + 1))
        .filter((f) => !/\/backup\/(cert|key|chain)$/.test(f));
      expect(left, `kill at ${killed.records}`).toEqual([]);
    }, 90_000);
  }
});
