#!/usr/bin/env node
// The http.sys simulation: real TLS listeners (node:tls) on the ports applications registered
// (`httpsys/listeners.json`), serving on every handshake the certificate the sslcert table binds,
// with http.sys's precedence: hostnameport by SNI, then the specific IP:port, then the wildcard
// 0.0.0.0:port (IPv4) or [::]:port (IPv6), then the Central Certificate Store binding of the port.
// Nothing bound fails the handshake, as http.sys resets it. The table and the certificate files are
// read on every handshake, so a netsh change is served at once. A plain HTTP request on the TLS
// connection gets a small 200 naming the service (a SOAP/OData stand-in).
//
//   node server.mjs --root <simroot> [--poll-ms 250] [--max-lifetime-s 3600]
//
// Prints `listening <address> <port>` / `closed <address> <port>` as listeners change, and `ready`
// once the first reconciliation is done. Stops on SIGTERM/SIGINT or after --max-lifetime-s.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, isIPv6 } from 'node:net';
import { join } from 'node:path';
import { clearInterval, setInterval, setTimeout } from 'node:timers';
import { TLSSocket, createSecureContext } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { readBindings, readHost, readListeners, storeEntry } from './state.mjs';

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const root = option('root', process.env.CERTROLL_WINSIM);
if (!root) {
  process.stderr.write('usage: server.mjs --root <simroot> [--poll-ms N] [--max-lifetime-s N]\n');
  process.exit(2);
}
const pollMs = Math.max(20, Number(option('poll-ms', '250')));
const maxLifetimeMs = Math.max(1, Number(option('max-lifetime-s', '3600'))) * 1000;

/** `127.0.0.1` or `::1`, without the IPv4-mapped prefix. */
const plainAddress = (a) => (a && a.startsWith('::ffff:') ? a.slice(7) : (a ?? ''));
const ipport = (address, port) => (isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`);

/**
 * The binding http.sys would use for a handshake on local `address:port` with `sni` (or null):
 * { binding, servername } or undefined when none applies.
 */
function pickBinding(bindings, address, port, sni) {
  const byType = (type, endpoint) =>
    bindings.find(
      (b) => b.type === type && String(b.endpoint).toLowerCase() === endpoint.toLowerCase(),
    );
  if (sni) {
    const named = byType('hostnameport', `${sni}:${port}`);
    if (named) return named;
  }
  const specific = byType('ipport', ipport(address, port));
  if (specific) return specific;
  const wildcard = byType('ipport', isIPv6(address) ? `[::]:${port}` : `0.0.0.0:${port}`);
  if (wildcard) return wildcard;
  if (sni) return byType('ccs', String(port));
  return undefined;
}

/** Certificate and key of a binding: the store for certhash, the CCS folder by name for ccs. */
function credentials(binding, sni) {
  if (binding.type === 'ccs') {
    // The Central Certificate Store holds one certificate per host name (simulated: ccs/<name>.cer/.key).
    const base = join(root, 'ccs', sni.toLowerCase());
    return { cert: readFileSync(`${base}.cer`), key: readFileSync(`${base}.key`) };
  }
  const entry = binding.certhash
    ? storeEntry(root, binding.certstorename, binding.certhash)
    : undefined;
  if (entry === undefined || entry.key === undefined) {
    throw new Error(
      `${binding.type}=${binding.endpoint}: certificate ${binding.certhash} is not usable`,
    );
  }
  const leaf = readFileSync(entry.cer);
  const pems = [leaf, ...intermediates(leaf)].map((b) => b.toString('utf8').trim());
  return { cert: pems.join('\n') + '\n', key: readFileSync(entry.key) };
}

/**
 * The intermediates Schannel sends after the leaf: the chain it builds from the machine's own
 * stores (LocalMachine\CA, where Import-PfxCertificate puts a PFX's chain), without the root.
 * Bounded: at most 8 links.
 */
function intermediates(leafPem) {
  const dir = join(root, 'store', 'LocalMachine', 'CA');
  const pool = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.cer'))
        .map((f) => readFileSync(join(dir, f)))
    : [];
  const chain = [];
  let current = new X509Certificate(leafPem);
  for (let i = 0; i < 8; i++) {
    const next = pool.find((pem) => {
      const c = new X509Certificate(pem);
      return c.subject === current.issuer && c.subject !== c.issuer && current.checkIssued(c);
    });
    if (next === undefined) break;
    chain.push(next);
    current = new X509Certificate(next);
  }
  return chain;
}

function contextFor(address, port, sni, pinned) {
  // A service with its own TLS listener serves the certificate it loaded at start, whatever
  // the table says now (listeners.json `certhash`, written by the service simulation).
  const binding = pinned?.certhash
    ? { type: 'service', endpoint: pinned.owner, ...pinned }
    : pickBinding(readBindings(root), address, port, sni);
  if (binding === undefined)
    throw new Error(`nothing bound for ${ipport(address, port)} (SNI ${sni ?? 'none'})`);
  if (binding.reject === 'enable')
    throw new Error(`${binding.type}=${binding.endpoint} rejects connections`);
  const { cert, key } = credentials(binding, sni);
  return {
    binding,
    context: createSecureContext({ cert, key }),
    thumbprint: new X509Certificate(cert).fingerprint.replace(/:/g, ''),
  };
}

// A context without a certificate: a handshake that ends up with it fails, as http.sys resets
// a connection nothing is bound for.
const NOTHING = createSecureContext({});

const httpServer = createHttpServer((req, res) => {
  const info = req.socket.certrollServed ?? {};
  const body = `${JSON.stringify({ service: info.owner ?? null, endpoint: info.endpoint ?? null, thumbprint: info.thumbprint ?? null, path: req.url })}\n`;
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  res.end(body);
});

function onConnection(raw, listener, key) {
  const address = plainAddress(raw.localAddress);
  const port = raw.localPort;
  // The registration as it is now (a restarted service may have loaded another certificate).
  const pinned = open.get(key)?.pinned;
  let served;
  let secureContext = NOTHING;
  try {
    served = contextFor(address, port, null, pinned);
    secureContext = served.context;
  } catch {
    // Nothing for a handshake without SNI; one with SNI may still match in SNICallback.
  }
  const socket = new TLSSocket(raw, {
    isServer: true,
    secureContext,
    SNICallback: (servername, cb) => {
      try {
        served = contextFor(address, port, servername, pinned);
        cb(null, served.context);
      } catch (error) {
        cb(error);
      }
    },
  });
  socket.on('error', () => socket.destroy());
  raw.on('error', () => raw.destroy());
  socket.on('secure', () => {
    if (served === undefined) {
      socket.destroy();
      return;
    }
    socket.certrollServed = {
      owner: listener.owner,
      endpoint: `${served.binding.type}=${served.binding.endpoint}`,
      thumbprint: served.thumbprint,
    };
    httpServer.emit('connection', socket);
  });
}

/** address:port -> { server, owner } of the listeners open now. */
const open = new Map();

function wanted() {
  const host = readHost(root);
  const out = new Map();
  for (const l of readListeners(root)) {
    const addresses =
      l.address === '0.0.0.0' ? host.addresses : l.address === '::' ? ['::1'] : [l.address];
    for (const address of addresses)
      out.set(`${address} ${l.port}`, {
        address,
        port: Number(l.port),
        owner: l.owner ?? '',
        pinned: pinnedOf(l),
      });
  }
  return out;
}

/** A listener's own certificate (certhash, certstorename), or undefined for an http.sys one. */
function pinnedOf(l) {
  return l.certhash
    ? { owner: l.owner ?? '', certhash: l.certhash, certstorename: l.certstorename ?? 'My' }
    : undefined;
}

function listen(key, l) {
  const server = createNetServer((raw) => onConnection(raw, l, key));
  open.set(key, { server, owner: l.owner, pinned: l.pinned, listening: false });
  server.on('error', (error) => {
    process.stderr.write(`listen ${key}: ${error.message}\n`);
    open.delete(key); // retried at the next reconciliation
    server.close();
  });
  server.listen(l.port, l.address, () => {
    const entry = open.get(key);
    if (entry) entry.listening = true;
    process.stdout.write(`listening ${key}\n`);
  });
}

function reconcile() {
  let want;
  try {
    want = wanted();
  } catch (error) {
    // A half-written file from a writer that does not rename atomically: try again next time.
    process.stderr.write(`reconcile: ${error.message}\n`);
    return;
  }
  for (const [key, entry] of open) {
    if (!want.has(key)) {
      open.delete(key);
      entry.server.close();
      process.stdout.write(`closed ${key}\n`);
    } else {
      entry.owner = want.get(key).owner;
      entry.pinned = want.get(key).pinned;
    }
  }
  for (const [key, l] of want) if (!open.has(key)) listen(key, l);
}

reconcile();
// `ready` once the first listeners are bound (or failed), bounded by 5 s.
const readyBy = Date.now() + 5000;
const readyTimer = setInterval(() => {
  if ([...open.values()].every((e) => e.listening) || Date.now() > readyBy) {
    clearInterval(readyTimer);
    process.stdout.write('ready\n');
  }
}, 10);
const poll = setInterval(reconcile, pollMs);

function stop() {
  clearInterval(poll);
  clearInterval(readyTimer);
  for (const { server } of open.values()) server.close();
  setTimeout(() => process.exit(0), 200).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, maxLifetimeMs).unref();
