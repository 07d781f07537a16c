import { describe, expect, it } from 'vitest';
import { parseProcNetTcp, parseSs, splitHostPort } from '../../../src/discover/parse/listeners.js';

describe('listening sockets', () => {
  it('reads ss -Htlnp lines: IPv4, IPv6, wildcards, interface suffixes and process names', () => {
    const text = [
      'LISTEN 0      511          0.0.0.0:443        0.0.0.0:*    users:(("nginx",pid=812,fd=6),("nginx",pid=811,fd=6))',
      'LISTEN 0      4096      127.0.0.53%lo:53      0.0.0.0:*    users:(("systemd-resolve",pid=1,fd=14))',
      'LISTEN 0      511             [::]:443           [::]:*    users:(("nginx",pid=812,fd=7))',
      'LISTEN 0      128                *:7147             *:*',
      'LISTEN 0      128   [::ffff:10.0.0.5]:8443          *:*',
      '',
      'garbage line',
    ].join('\n');
    expect(parseSs(text)).toEqual([
      { address: '0.0.0.0', port: 443, process: 'nginx', pids: [812, 811] },
      { address: '127.0.0.53', port: 53, process: 'systemd-resolve', pids: [1] },
      { address: '::', port: 443, process: 'nginx', pids: [812] },
      { address: '0.0.0.0', port: 7147 },
      { address: '10.0.0.5', port: 8443 },
    ]);
  });

  it('reads ss output without the state column and drops duplicates', () => {
    const text = '0 128 10.1.2.3:7148 0.0.0.0:*\n0 128 10.1.2.3:7148 0.0.0.0:*\n';
    expect(parseSs(text)).toEqual([{ address: '10.1.2.3', port: 7148 }]);
  });

  it('keeps every process that holds a socket, across reuseport copies of one address', () => {
    const text = [
      'LISTEN 0 511 10.0.0.5:443 0.0.0.0:* users:(("nginx",pid=201,fd=6),("nginx",pid=200,fd=6),("nginx",pid=202,fd=6))',
      'LISTEN 0 511 10.0.0.5:443 0.0.0.0:* users:(("nginx",pid=203,fd=7),("nginx",pid=200,fd=7))',
      'LISTEN 0 511 10.0.0.5:8443 0.0.0.0:* users:(("pid=9",pid=77,fd=3))',
    ].join('\n');
    expect(parseSs(text)).toEqual([
      { address: '10.0.0.5', port: 443, process: 'nginx', pids: [201, 200, 202, 203] },
      { address: '10.0.0.5', port: 8443, process: 'pid=9', pids: [77] },
    ]);
  });

  it('reads /proc/net/tcp and tcp6, keeping only LISTEN rows', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 624 1',
      '   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 625 1',
      '   2: 020200C0:C466 507100CB:0050 01 00000000:00000000 03:00000AD0 00000000     0        0 0 3',
    ].join('\n');
    const tcp6 = [
      '  sl  local_address                         remote_address                        st',
      '   0: 00000000000000000000000000000000:01BB 00000000000000000000000000000000:0000 0A 0',
      '   1: 00000000000000000000000001000000:0277 00000000000000000000000000000000:0000 0A 0',
      '   2: 0000000000000000FFFF00000100007F:1CE9 00000000000000000000000000000000:0000 0A 0',
      '   3: 000080FE00000000FF005452EFBEADDE:20FB 00000000000000000000000000000000:0000 0A 0',
    ].join('\n');
    expect(parseProcNetTcp(`${tcp}\n${tcp6}`)).toEqual([
      { address: '0.0.0.0', port: 2024 },
      { address: '127.0.0.1', port: 8080 },
      { address: '::', port: 443 },
      { address: '::1', port: 631 },
      { address: '127.0.0.1', port: 7401 },
      { address: 'fe80::5254:ff:dead:beef', port: 8443 },
    ]);
  });

  it('splits address and port and refuses what is not one', () => {
    expect(splitHostPort('[fe80::1%eth0]:443')).toEqual({ address: 'fe80::1', port: 443 });
    expect(splitHostPort('*:80')).toEqual({ address: '0.0.0.0', port: 80 });
    expect(splitHostPort('host.example:70000')).toBeUndefined();
    expect(splitHostPort('no-port')).toBeUndefined();
  });
});
