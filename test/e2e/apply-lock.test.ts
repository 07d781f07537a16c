// Two applies of one plan started while the first is under way: the second is refused by the
// environment lock (exit 75, LOCK_HELD, naming the holder) before it checks the plan's freshness
// or logs into any host. Real sshd and nginx; sshd's own log counts the logins.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostname, userInfo } from 'node:os';
import { useRenewalLab } from '../lab/index.js';
import { BIN, runCli } from '../helpers/cli.js';

// The soak keeps the first run under way after it has bound every host.
const renewal = useRenewalLab({
  hosts: 2,
  environments: (hosts) => [{ name: 'prod', policy: '{ concurrency: 2, soak: 60s }', hosts }],
});

describe('a second apply while a run is under way', () => {
  it('is refused by the environment lock before it reads the plan or logs into any host', async () => {
    const r = renewal();
    const { lab, stateDir, inventoryPath } = r;
    const planPath = join(lab.dir, 'plan.json');
    const common = ['--trust', r.root.certPath, '--state-dir', stateDir];
    const plan = runCli(
      [
        'plan',
        '-i',
        inventoryPath,
        '--cert',
        r.bundlePath,
        '-o',
        planPath,
        '--trust',
        r.root.certPath,
      ],
      {
        timeoutMs: 60_000,
      },
    );
    expect(plan.code, plan.stderr).toBe(2);

    const first = spawn(process.execPath, [BIN, 'apply', planPath, '--yes', ...common], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', CERTROLL_PROGRESS: 'plain' },
    });
    let stderr = '';
    let stdout = '';
    first.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    first.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Under way: every host bound and proven, the soak started (its journal says so).
    const soaking = new Promise<void>((resolve) => {
      const watch = setInterval(() => {
        const runId = /run (\S+) \(/.exec(stderr)?.[1];
        const journal = runId && join(stateDir, 'runs', runId, 'journal.jsonl');
        if (journal && existsSync(journal) && /"step":"soak"/.test(readFileSync(journal, 'utf8'))) {
          clearInterval(watch);
          resolve();
        }
      }, 20);
      first.on('close', () => clearInterval(watch));
    });
    const kill = setTimeout(() => first.kill('SIGKILL'), 90_000);
    const closed = new Promise<number | null>((res) => first.on('close', res));
    try {
      await Promise.race([soaking, closed]);
      expect(first.exitCode, stderr + stdout).toBe(null);
      const runId = /run (\S+) \(/.exec(stderr)?.[1] ?? '';
      expect(runId).not.toBe('');

      const logins = lab.hosts.map((h) => h.authAttempts());
      const second = runCli(['apply', planPath, '--yes', ...common], { timeoutMs: 60_000 });
      expect(second.code, second.stderr).toBe(75);
      expect(second.stderr).toContain('LOCK_HELD');
      expect(second.stderr).toContain(`env:prod is locked by run ${runId}`);
      expect(second.stderr).toContain(`${userInfo().username} on ${hostname()}`);
      expect(second.stderr).toMatch(/started \d{4}-\d\d-\d\dT/);
      expect(second.stderr).not.toContain('PLAN_STALE');
      // Not one login on any host.
      expect(lab.hosts.map((h) => h.authAttempts())).toEqual(logins);
    } finally {
      first.kill('SIGINT');
      await closed;
      clearTimeout(kill);
    }
  }, 120_000);
});
