import { describe, expect, it } from 'vitest';
import { countSshd, formatCosts, logCursor } from '../../../bench/rollout/costs.js';

// The rollout benchmark's per-host costs, read from the hosts' sshd logs (OpenSSH 9.2's wording).
const LOG = [
  'Connection from 127.0.0.1 port 43808 on 127.204.211.1 port 40955 rdomain ""',
  'kex_exchange_identification: Connection closed by remote host',
  'Accepted key ED25519 SHA256:Uzb found at /tmp/lab/client/id_ed25519.pub:1',
  'Accepted publickey for root from 127.0.0.1 port 43816 ssh2: ED25519 SHA256:Uzb',
  'debug1: session_input_channel_req: session 0 req exec',
  'Starting session: command for root from 127.0.0.1 port 43816 id 0',
  'Starting session: command for root from 127.0.0.1 port 43816 id 1',
  "Starting session: subsystem 'sftp' for root from 127.0.0.1 port 43816 id 2",
].join('\n');

describe('the rollout benchmark costs', () => {
  it('counts authenticated connections and sessions, not probes or key checks', () => {
    expect(countSshd(LOG)).toEqual({ connections: 1, commands: 3 });
  });

  it('reads only what a log gained since the previous read', () => {
    let text = 'Starting session: command for root\n';
    const cursor = logCursor(() => text);
    text += 'Accepted publickey for root from 127.0.0.1\nStarting session: command for root\n';
    expect(countSshd(cursor.read())).toEqual({ connections: 1, commands: 1 });
    expect(countSshd(cursor.read())).toEqual({ connections: 0, commands: 0 });
  });

  it('prints per host, and TLS connections per port when relays counted traffic', () => {
    const line = formatCosts({
      hosts: 2,
      ports: 4,
      sshd: { connections: 2, commands: 22 },
      hostCpuS: 1,
      traffic: { sshConnections: 2, tlsConnections: 72, bytes: 4096, turns: 60 },
    });
    expect(line).toBe(
      'per host: CPU 0.50 s  ssh conns 1.0  commands 11.0  round trips 30.0  kB 2.0  TLS conns/port 9.0',
    );
  });
});
