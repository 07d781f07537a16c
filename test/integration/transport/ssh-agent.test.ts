import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshTransport } from '../../../src/transport/ssh/ssh-transport.js';
import { startLab, type Lab } from '../../lab/index.js';

let lab: Lab;
let agent: ChildProcess | undefined;
let sock: string;

beforeAll(async () => {
  lab = await startLab({ hosts: 1 });
  sock = join(lab.dir, 'agent.sock');
  agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
  execFileSync('ssh-add', ['-q', lab.clientKey.privatePath], {
    env: { ...process.env, SSH_AUTH_SOCK: sock },
    stdio: 'ignore',
  });
});
afterAll(async () => {
  agent?.kill('SIGTERM');
  await lab?.stop();
});

describe('ssh transport: agent authentication', () => {
  it('authenticates with the SSH agent when the host has no identity file', async () => {
    const ssh = new SshTransport(lab.hosts[0]!.toHost({ transport: { identityFile: undefined } }), {
      env: { SSH_AUTH_SOCK: sock },
    });
    await ssh.connect();
    expect((await ssh.exec('echo agent')).stdout).toBe('agent\n');
    await ssh.close();
  });

  it('says there are no credentials when there is neither identity file nor agent', async () => {
    const ssh = new SshTransport(lab.hosts[0]!.toHost({ transport: { identityFile: undefined } }), {
      env: {},
    });
    await expect(ssh.connect()).rejects.toMatchObject({
      code: 'TRANSPORT_AUTH',
      message: expect.stringContaining('no SSH credentials'),
    });
  });
});
