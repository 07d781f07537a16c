// Loaded into the CLI under test (`NODE_OPTIONS=--import <this file>`): every TCP connection the
// process opens, and every TLS handshake with the SNI it sent and the leaf it was served, written
// as JSON to $CERTROLL_TEST_CONNECTIONS when the process exits. Instruments, changes nothing.
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { syncBuiltinESMExports } from 'node:module';

const file = process.env.CERTROLL_TEST_CONNECTIONS;
/** @type {{ tcp: string[]; tls: { to: string; sni: string | null; leaf: string | null }[] }} */
const seen = { tcp: [], tls: [] };

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  // Node passes normalised arguments ([options, callback]) from its own helpers.
  const o = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (typeof o === 'object' && o !== null && o.port !== undefined)
    seen.tcp.push(`${o.host}:${o.port}`);
  return connect.apply(this, args);
};

const tlsConnect = tls.connect;
tls.connect = (...args) => {
  const o = args[0];
  const socket = tlsConnect(...args);
  // A handshake over a socket opened beforehand is counted where that socket was opened.
  if (typeof o === 'object' && o !== null && o.socket === undefined) {
    const entry = { to: `${o.host}:${o.port}`, sni: o.servername || null, leaf: null };
    seen.tls.push(entry);
    socket.once('secureConnect', () => {
      // Not getPeerX509Certificate: here (Node 24), a second call on a socket returns undefined,
      // which the probe after this listener would take for a server that sent no certificate.
      const fp = socket.getPeerCertificate()?.fingerprint256;
      entry.leaf = fp === undefined ? null : fp.replace(/:/g, '').toLowerCase();
    });
  }
  return socket;
};
syncBuiltinESMExports();

process.once('exit', () => {
  if (file !== undefined) writeFileSync(file, JSON.stringify(seen));
});
