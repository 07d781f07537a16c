// Diagnostics, not part of a measured run: `node --import bench/rollout/diag-preload.ts
// bin/certroll.js rollout ...` prints to stderr at exit how many SSH commands certroll ran and how
// long they took, how many TLS connections it opened, and what its synchronous fsyncs and writes cost the event loop.
import fs from 'node:fs';
import tls from 'node:tls';
import { createRequire, syncBuiltinESMExports } from 'node:module';

type Callback = (err: Error | undefined, channel: { on(e: 'close', f: () => void): void }) => void;
interface Ssh2Client {
  exec: (this: Ssh2Client, cmd: string, opts: unknown, cb?: Callback) => boolean;
}

const stats = {
  handshakes: 0,
  execs: 0,
  execMs: 0,
  fsyncs: 0,
  fsyncMs: 0,
  writes: 0,
  writeMs: 0,
  bytes: 0,
};

// The ssh2 that certroll loads: resolved from its own bin/certroll.js (the main script).
const require = createRequire(process.argv[1] ?? import.meta.url);
const { Client } = require('ssh2') as { Client: { prototype: Ssh2Client } };
const exec = Client.prototype.exec;
let cmdNo = 0;
Client.prototype.exec = function (this: Ssh2Client, cmd, opts, cb) {
  const done = (typeof opts === 'function' ? opts : cb) as Callback;
  const t0 = performance.now();
  // DIAG_CMDS=1: each command's first line, in order (which step sent what).
  if (process.env.DIAG_CMDS !== undefined)
    process.stderr.write(`diag cmd: ${cmd.split('\n').slice(0, 2).join(' | ').slice(0, 160)}\n`);
  // DIAG_CMDS_DIR=DIR: each command whole, one file per command in order.
  const dir = process.env.DIAG_CMDS_DIR;
  if (dir !== undefined) fs.writeFileSync(`${dir}/${String(++cmdNo).padStart(3, '0')}.sh`, cmd);
  const wrapped: Callback = (err, channel) => {
    if (err === undefined || err === null) {
      channel.on('close', () => {
        stats.execs++;
        stats.execMs += performance.now() - t0;
      });
    }
    done(err, channel);
  };
  return typeof opts === 'function'
    ? exec.call(this, cmd, wrapped)
    : exec.call(this, cmd, opts, wrapped);
};

// DIAG_TLS=1: how many connections each address:port and name got.
const targets = new Map<string, number>();
const tlsConnect = tls.connect;
tls.connect = ((...args: Parameters<typeof tls.connect>) => {
  stats.handshakes++;
  const o = args[0] as tls.ConnectionOptions | undefined;
  if (process.env.DIAG_TLS !== undefined && typeof o === 'object') {
    const key = `${o.socket ? 'tap ' : ''}${o.host}:${o.port} ${o.servername || '-'}`;
    targets.set(key, (targets.get(key) ?? 0) + 1);
  }
  return tlsConnect(...args);
}) as typeof tls.connect;

const fsync = fs.fsyncSync;
const write = fs.writeSync;
fs.fsyncSync = (fd: number): void => {
  const t0 = performance.now();
  fsync(fd);
  stats.fsyncs++;
  stats.fsyncMs += performance.now() - t0;
};
fs.writeSync = ((fd: number, data: string | NodeJS.ArrayBufferView, ...rest: never[]): number => {
  const t0 = performance.now();
  const n = (write as (...a: unknown[]) => number)(fd, data, ...rest);
  stats.writes++;
  stats.writeMs += performance.now() - t0;
  stats.bytes += typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
  return n;
}) as typeof fs.writeSync;
syncBuiltinESMExports();

process.once('exit', () => {
  for (const [k, n] of targets) process.stderr.write(`diag tls: ${n} ${k}\n`);
  const avg = stats.execs > 0 ? (stats.execMs / stats.execs).toFixed(1) : '-';
  process.stderr.write(
    `diag: ${stats.execs} ssh commands, ${avg} ms each on average; ` +
      `${stats.handshakes} TLS connections; ` +
      `${stats.fsyncs} fsyncs ${stats.fsyncMs.toFixed(0)} ms; ` +
      `${stats.writes} sync writes ${(stats.bytes / 1e6).toFixed(1)} MB ${stats.writeMs.toFixed(0)} ms\n`,
  );
});
