import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli, runCliAsync } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

// `certroll demo` through the built CLI: the whole story in one child process, which must leave
// nothing behind (no listening port, no process working in the lab folder).
const parent = tempDir('certroll-demo-e2e-');

interface InventoryDoc {
  environments: {
    hosts: { address: string; transport: { port: number }; bindings: { port: number }[] }[];
  }[];
}

function refused(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: address, port, timeout: 2_000 });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

/** Processes whose working folder is inside `dir` (the lab's commands run in host sandboxes). */
function processesIn(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`).startsWith(dir)) found.push(pid);
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

describe('certroll demo', () => {
  it('rolls out through its own lab, rolls the failing binding back, and cleans up', async () => {
    const dir = join(parent, 'kept');
    const started = Date.now();
    const r = runCli(['demo', '--dir', dir, '--keep'], { timeoutMs: 90_000 });
    const elapsed = Date.now() - started;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(elapsed).toBeLessThan(60_000);

    const rows = r.stdout.split('\n');
    const row = (id: string) => rows.find((l) => l.includes(` ${id} `)) ?? '';
    for (const id of ['stg-01/www', 'stg-01/api', 'prod-01/www', 'prod-01/api'])
      expect(row(id)).toMatch(/\sverified\s+serves /);
    expect(row('prod-02/api')).toMatch(/\srolled-back\s+serves /);
    expect(row('prod-02/www')).toMatch(/\srolled-back\s+serves /);
    expect(r.stdout).toMatch(/prod-02\/api: the new certificate could not be proven/);
    expect(r.stdout).toMatch(/prod-02\/api\s+\S+…\s+\(old certificate\)/);
    expect(r.stdout).toMatch(/stg-01\/www\s+\S+…\s+\(new certificate\)/);
    expect(r.stdout).toContain('rollout failed');
    expect(r.stdout).toContain('demo succeeded: the rollout behaved as expected');
    expect(r.stderr).toMatch(/prod-02 prod-02\/api: previous certificate proven/);

    // Every port the lab listened on is closed, and nothing still runs in its folder.
    const inv = parse(readFileSync(join(dir, 'inventory.yaml'), 'utf8')) as InventoryDoc;
    const ports = inv.environments.flatMap((e) =>
      e.hosts.flatMap((h) => [
        { address: h.address, port: h.transport.port },
        ...h.bindings.map((b) => ({ address: h.address, port: b.port })),
      ]),
    );
    expect(ports).toHaveLength(9);
    for (const p of ports)
      expect(await refused(p.address, p.port), `${p.address}:${p.port}`).toBe(true);
    expect(processesIn(dir)).toEqual([]);

    // The run it names can be inspected with the command it prints.
    const show = /certroll show (\S+) --state-dir (\S+)/.exec(r.stdout);
    expect(show).not.toBeNull();
    const s = runCli(['show', show![1]!, '--state-dir', show![2]!]);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/rolled.back/);
    // Its change record names who ran it, as a rollout's does.
    const report = runCli(['report', show![1]!, '--state-dir', show![2]!, '--format', 'md']);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain(`| operator | ${userInfo().username} |`);
  }, 120_000);

  it('removes its temporary folder when not asked to keep it', () => {
    const r = runCli(['demo'], { timeoutMs: 90_000, env: { TMPDIR: parent } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const folder = /lab folder\s+(\S+)/.exec(r.stdout)?.[1];
    expect(folder?.startsWith(parent)).toBe(true);
    expect(existsSync(folder!)).toBe(false);
  }, 120_000);

  it('refuses a --dir that is not empty, and touches nothing in it', () => {
    const dir = mkdtempSync(join(parent, 'busy-'));
    writeFileSync(join(dir, 'mine.txt'), 'keep me');
    const r = runCli(['demo', '--dir', dir]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('is not empty');
    expect(readdirSync(dir)).toEqual(['mine.txt']);
  });
});

// `certroll demo --windows`: the Business Central incident on a simulated Windows server (real
// PowerShell 7 with test/lab/windows/sim), through the built CLI.
describe('certroll demo --windows', () => {
  it('without PowerShell 7 says so and how to install it, and starts nothing', () => {
    const empty = mkdtempSync(join(parent, 'no-pwsh-'));
    const r = runCli(['demo', '--windows'], {
      env: { CERTROLL_PWSH: '', CERTROLL_PWSH_DIR: empty, PATH: empty },
    });
    expect(r.code, r.stdout + r.stderr).toBe(64);
    expect(r.stderr).toMatch(/runs real PowerShell 7, and none was found/);
    expect(r.stderr).toContain('bash scripts/install-pwsh.sh');
    expect(r.stdout).toBe('');
  });

  it('outside a git checkout (no Windows simulation) says the package does not ship it', () => {
    const r = runCli(['demo', '--windows'], {
      env: { CERTROLL_WINSIM_DIR: join(parent, 'not-a-checkout') },
    });
    expect(r.code, r.stdout + r.stderr).toBe(64);
    expect(r.stderr).toMatch(/the npm package does not ship/);
    expect(r.stderr).toMatch(/git checkout/);
  });

  it('replays the incident: the plan with BC1 alone is refused naming 7147 and 7148, then both instances are rolled out and every port proven', async () => {
    const r = await runCliAsync(['demo', '--windows'], { timeoutMs: 540_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /plan refused \[COVERAGE_GAP\]: .*127\.0\.0\.41:7147, .*127\.0\.0\.41:7148/,
    );
    for (const port of [7047, 7048, 7147, 7148])
      expect(r.stdout).toMatch(new RegExp(`\\n  ${port}\\s+\\S+…\\s+\\(new certificate\\)`));
    expect(r.stdout).toMatch(/rollout succeeded/);
    expect(r.stdout).not.toMatch(/UNEXPECTED/);
  }, 600_000);
});
