// What-if only (`--nodelay`): loaded with `node --import` before certroll, it turns Nagle's
// algorithm off on every ssh2 connection (TCP_NODELAY, as OpenSSH does for sessions), to measure
// what that change in src/transport/ssh/connect.ts would save. certroll itself is not changed.
import { createRequire } from 'node:module';

interface Ssh2Client {
  connect: (this: Ssh2Client, config: unknown) => Ssh2Client;
  setNoDelay: (this: Ssh2Client, noDelay: boolean) => Ssh2Client;
}

// The ssh2 that certroll loads: resolved from its own bin/certroll.js (the main script).
const require = createRequire(process.argv[1] ?? import.meta.url);
const { Client } = require('ssh2') as { Client: { prototype: Ssh2Client } };
const connect = Client.prototype.connect;
Client.prototype.connect = function (this: Ssh2Client, config: unknown): Ssh2Client {
  const client = connect.call(this, config);
  this.setNoDelay(true);
  return client;
};
