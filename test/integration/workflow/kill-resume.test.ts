import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readJournal } from '../../../src/journal/index.js';
import { type RolloutOutput, type RolloutRef } from '../../../src/workflow/types.js';
import { tempDir } from '../../helpers/temp.js';

// kill -9 at every journal point, then resume: each binding must end verified-new or
// rolled-back-old, with no half-done binding, no duplicate write, and no lock or staged key left.
const CHILD = fileURLToPath(new URL('../../fixtures/workflow/rollout-child.mjs', import.meta.url));
const root = tempDir('certroll-kill-');

const REF: RolloutRef = {
  runId: 'run-kill',
  environments: [
    {
      name: 'prod',
      hosts: ['web-01', 'web-02'].map((name) => ({ name, bindings: ['443', '7147'] })),
      canary: ['web-01'],
      batchSize: 5,
      concurrency: 1,
      failureBudget: 1,
      onFailure: 'halt',
      approval: false,
      soakMs: 0,
    },
  ],
};

let counter = 0;
function freshDir(): string {
  const dir = join(root, `run-${++counter}`);
  mkdirSync(join(dir, 'remote'), { recursive: true });
  writeFileSync(join(dir, 'ref.json'), JSON.stringify(REF));
  for (const host of REF.environments[0]!.hosts) {
    for (const b of host.bindings) {
      writeFileSync(
        join(dir, 'remote', `${host.name}__${b}.json`),
        JSON.stringify({ config: 'old', served: 'old', writes: 0, rollbacks: 0 }),
      );
    }
  }
  return dir;
}

function child(dir: string, env: Record<string, string>) {
  return spawnSync(process.execPath, [CHILD], {
    encoding: 'utf8',
    env: { ...process.env, RUN_DIR: dir, ...env },
    timeout: 20_000,
  });
}

function remoteState(dir: string) {
  const files = readdirSync(join(dir, 'remote'));
  const bindings = Object.fromEntries(
    files
      .filter((f) => f.endsWith('.json'))
      .map((f) => [
        f.replace('.json', '').replace('__', '/'),
        JSON.parse(readFileSync(join(dir, 'remote', f), 'utf8')) as Record<string, unknown>,
      ]),
  );
  return { bindings, leftovers: files.filter((f) => !f.endsWith('.json')) };
}

const scenarios: Record<string, object> = {
  'a clean rollout': {},
  'a failed verification rolled back': { verifyFails: ['web-02/7147'] },
};

describe('kill -9 at every journal point, then resume', () => {
  for (const [name, scenario] of Object.entries(scenarios)) {
    it(`reaches the same consistent end as an uninterrupted run (${name})`, () => {
      const SCENARIO = JSON.stringify(scenario);
      const reference = freshDir();
      const clean = child(reference, { SCENARIO });
      expect(clean.status, clean.stderr).toBe(0);
      const expected = (JSON.parse(clean.stdout) as { output: RolloutOutput }).output;
      const points = readJournal(join(reference, 'journal.jsonl')).records.length;
      expect(points).toBeGreaterThan(20);

      for (let killAt = 2; killAt < points; killAt++) {
        const dir = freshDir();
        const killed = child(dir, { SCENARIO, KILL_AT: String(killAt) });
        expect(killed.signal, `kill at ${killAt}: ${killed.stderr}`).toBe('SIGKILL');
        expect(readJournal(join(dir, 'journal.jsonl')).records).toHaveLength(killAt);

        const resumed = child(dir, { SCENARIO, RESUME: '1' });
        expect(resumed.status, `resume after kill at ${killAt}: ${resumed.stderr}`).toBe(0);
        const { output } = JSON.parse(resumed.stdout) as { output: RolloutOutput };
        expect(output, `kill at ${killAt}`).toEqual(expected);

        const { bindings, leftovers } = remoteState(dir);
        expect(leftovers, `kill at ${killAt}: lock or staged key left`).toEqual([]);
        for (const [key, state] of Object.entries(bindings)) {
          const [host, binding] = key.split('/') as [string, string];
          const status = output.environments[0]?.hosts[host]?.bindings[binding]?.status;
          const consistent =
            status === 'verified'
              ? state['config'] === 'new' && state['served'] === 'new'
              : state['config'] === 'old' && state['served'] === 'old';
          expect(
            consistent,
            `kill at ${killAt}: ${key} is ${JSON.stringify(state)} but ended ${status}`,
          ).toBe(true);
          expect(state['writes'], `kill at ${killAt}: ${key} written twice`).toBeLessThanOrEqual(1);
          expect(
            state['rollbacks'],
            `kill at ${killAt}: ${key} rolled back twice`,
          ).toBeLessThanOrEqual(1);
        }
        expect(existsSync(join(dir, 'snapshot.json'))).toBe(true);
      }
    }, 240_000);
  }
});
