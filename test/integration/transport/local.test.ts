import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localHost, running } from '../../lab/index.js';
import { LocalTransport } from '../../../src/transport/local/local-transport.js';
import { runProcess } from '../../../src/transport/local/run-process.js';
import { tempDir } from '../../helpers/temp.js';

const dir = tempDir('certroll-local-');

const host = localHost('control', { connectTimeoutMs: 1_000, commandTimeoutMs: 10_000 });
const local = new LocalTransport(host);

describe('local transport', () => {
  it('runs sh with stdout, stderr and the exit code as data', async () => {
    const r = await local.exec('echo out; echo err >&2; exit 7');
    expect(r).toMatchObject({ exitCode: 7, stdout: 'out\n', stderr: 'err\n' });
  });

  it('passes stdin bytes unchanged and closes stdin when none is given', async () => {
    const data = Buffer.from([0, 1, 255, 10]);
    expect((await local.exec('od -An -tx1 | tr -d " \\n"', { stdin: data })).stdout).toBe(
      '0001ff0a',
    );
    expect((await local.exec('cat; echo done')).stdout).toBe('done\n');
  });

  it('kills the whole process group when a command runs past its timeout', async () => {
    const marker = `sleep 41.${process.pid}`;
    const t0 = Date.now();
    const err = await local
      .exec(`${marker} & ${marker}; echo never`, { timeoutMs: 300 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TRANSPORT_TIMEOUT' });
    expect(Date.now() - t0).toBeLessThan(2_000);
    for (let i = 0; i < 40 && running(marker); i++) await new Promise((r) => setTimeout(r, 50));
    expect(running(marker)).toBe(false);
  });

  it('stops a command when its AbortSignal fires', async () => {
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 100);
    await expect(
      local.exec(`sleep 42.${process.pid}`, { signal: ctl.signal }),
    ).rejects.toMatchObject({
      code: 'TRANSPORT_ABORTED',
    });
  });

  it('writes a file atomically with its mode and removes it, a missing file being fine', async () => {
    const path = join(dir, 'k.pem');
    await local.putFile(path, 'secret', { mode: 0o600 });
    expect(readFileSync(path, 'utf8')).toBe('secret');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await local.remove(path);
    expect(existsSync(path)).toBe(false);
    await local.remove(path);
  });

  it('reports a program that is not installed as TRANSPORT_UNREACHABLE with a hint', async () => {
    const err = await runProcess('certroll-no-such-program', [], {
      target: 'x',
      what: 'test',
      timeoutMs: 2_000,
      missingHint: 'Install it.',
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TRANSPORT_UNREACHABLE', hint: 'Install it.' });
    expect((err as Error).message).toContain('certroll-no-such-program is not installed');
  });
});
