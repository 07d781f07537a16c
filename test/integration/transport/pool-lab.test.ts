import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { type CliIo } from '../../../src/cli/io.js';
import { withTransportPool, type TransportPoolOptions } from '../../../src/transport/pool.js';
import { type Lab, type LabHost, useRenewalLab } from '../../lab/index.js';

// A whole `certroll rollout` (capture, coverage gate, run, sweep) makes one SSH connection per
// host and leaves none open. sshd logs each accepted login and each disconnect (LogLevel DEBUG1).
// Below its connection limit the pool closes idle connections and reconnects when needed.
const fx = useRenewalLab({
  hosts: 3,
  environments: (hosts) => [{ name: 'staging', policy: '{ concurrency: 2, batchSize: 2 }', hosts }],
});
let lab: Lab;
beforeAll(() => ({ lab } = fx()));

const count = (h: LabHost, what: RegExp): number =>
  h
    .sshdLog()
    .split('\n')
    .filter((l) => what.test(l)).length;
const logins = (h: LabHost) => count(h, /Accepted publickey/);
const disconnects = (h: LabHost) => count(h, /Received disconnect from|Connection closed by/);

/** sshd writes its log a moment after the event. */
const settle = () => new Promise((r) => setTimeout(r, 300));

/** Logins and disconnects on each lab host while `fn` runs. */
async function sshdEvents(fn: () => Promise<void>) {
  const before = lab.hosts.map((h) => [logins(h), disconnects(h)] as const);
  await fn();
  await settle();
  return lab.hosts.map((h, i) => ({
    logins: logins(h) - before[i]![0],
    disconnects: disconnects(h) - before[i]![1],
  }));
}

/** Runs the CLI in this process; returns its exit code and what it wrote. */
async function certroll(args: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    isTTY: false,
    env: process.env,
    cwd: lab.dir,
  };
  let code = -1;
  const per = await sshdEvents(async () => {
    code = await main(args, io);
  });
  return { code, stdout, stderr, per };
}

const common = () => fx().args();
const stateDir = () => join(lab.dir, 'control-state');

describe('one SSH connection per host for a whole command', () => {
  it('plans and stops at the confirmation over one connection per host, closed on return', async () => {
    // No --yes and stdin is not a terminal: capture and the gate run, then the command refuses.
    const r = await certroll(['rollout', ...common(), '--state-dir', stateDir()]);
    expect(r.stderr).toContain('Refusing to apply without confirmation');
    expect(r.per).toEqual(lab.hosts.map(() => ({ logins: 1, disconnects: 1 })));
  }, 60_000);

  it('rolls out (capture, gate, run, sweep) over one connection per host, closed on return', async () => {
    const r = await certroll(['rollout', ...common(), '--yes', '--state-dir', stateDir()]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/rollout succeeded/);
    expect(r.per).toEqual(lab.hosts.map(() => ({ logins: 1, disconnects: 1 })));
    for (const h of lab.hosts) expect(await fx().served(h.address)).toBe(fx().newLeaf.sha256);
  }, 90_000);
});

describe('a connection limit below the number of hosts', () => {
  /** Logins not yet followed by a disconnect, over all lab hosts. */
  const openOnLab = () => lab.hosts.reduce((n, h) => n + logins(h) - disconnects(h), 0);

  /**
   * Runs a command on each host, twice in turn (h1, h2, h3, h1, h2, h3), through one pool. Like
   * the steps, a lessee connects before its first command; the second round relies on the pool
   * reconnecting what it closed.
   */
  async function twoRounds(options: TransportPoolOptions) {
    const outputs: string[] = [];
    const openBefore = openOnLab();
    let openAtEnd = -1;
    const per = await sshdEvents(() =>
      withTransportPool(
        async (pool) => {
          const leases = lab.hosts.map((h) => ({ name: h.name, t: pool.lease(h.host) }));
          for (const round of [1, 2]) {
            for (const { name, t } of leases) {
              if (round === 1) await t.connect();
              const r = await t.exec(`echo round-${round} ${name}`);
              outputs.push(`${r.exitCode} ${r.stdout.trim()}`);
            }
          }
          await settle();
          openAtEnd = openOnLab() - openBefore;
        },
        undefined,
        options,
      ),
    );
    return { outputs, per, openAtEnd };
  }

  const expectedOutputs = () =>
    [1, 2].flatMap((round) => lab.hosts.map((h) => `0 round-${round} ${h.name}`));

  it('runs every command with one connection open at a time, reconnecting hosts in turn', async () => {
    const r = await twoRounds({ maxOpen: 1 });
    expect(r.outputs).toEqual(expectedOutputs());
    // Each host was closed to make room for the next and logged in again for its second command.
    expect(r.per.reduce((n, p) => n + p.logins, 0)).toBeGreaterThan(lab.hosts.length);
    expect(r.per).toEqual(lab.hosts.map(() => ({ logins: 2, disconnects: 2 })));
    expect(r.openAtEnd).toBe(1);
  }, 60_000);

  it('keeps one login per host under the default limit', async () => {
    const r = await twoRounds({});
    expect(r.outputs).toEqual(expectedOutputs());
    expect(r.per).toEqual(lab.hosts.map(() => ({ logins: 1, disconnects: 1 })));
    expect(r.openAtEnd).toBe(lab.hosts.length);
  }, 60_000);
});
