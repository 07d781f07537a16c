#!/usr/bin/env node
// The server side of a net.tcp endpoint as Business Central's client services port speaks it:
// .NET Message Framing ([MC-NMF], learn.microsoft.com/openspecs/windows_protocols/mc-nmf) with the
// `application/ssl-tls` upgrade, then TLS inside the same stream serving the instance's
// certificate. Plain Node ESM, no imports beyond Node (the lab's sim/ rule); a decoder of its own,
// independent of certroll's client (src/probe/nmf.ts), so the two check each other.
//
// Sequence served (section numbers of [MC-NMF]):
//   client: Version 2.2.3.1 (0x00 1 0), Mode 2.2.3.2 (0x01, 1 singleton-unsized or 2 duplex),
//           Via 2.2.3.3 (0x02 size utf8), Envelope Encoding 2.2.3.4 (0x03 known | 0x04 size type),
//           Upgrade Request 2.2.3.5 (0x09 size "application/ssl-tls")
//   server: Upgrade Response (0x0A, 2.2.3.6); TLS handshake inside the stream
//   client: Preamble End 2.2.3.7 (0x0C) inside TLS; server: Preamble Ack (0x0B)
// Anything else gets a Fault record (0x08 size utf8, the framing fault URIs WCF uses) and a close.
// A TLS ClientHello sent as the first bytes (a plain TLS probe) is such a case: it never sees a
// certificate.
//
// Use: `node server.mjs --port P [--address A] (--cert F --key F | --root SIMROOT --instance I)`;
// or import { startNetTcpServer } for tests. With --root the certificate is the instance's
// ServicesCertificateThumbprint in bc/<I>/CustomSettings.config, read from store/LocalMachine/My
// on every handshake (so a rebind is seen at once), as the service tier does after a restart.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { TLSSocket, createSecureContext } from 'node:tls';

const FAULT = 'http://schemas.microsoft.com/ws/2006/05/framing/faults/';
const SSL_TLS = 'application/ssl-tls';
const MAX_PREAMBLE = 64 * 1024;

/** [MC-NMF] 2.2.2: seven bits per byte, least significant first, high bit set = more bytes. */
function readSize(buf, at) {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (at + i >= buf.length) return undefined;
    const b = buf[at + i];
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return { value, next: at + i + 1 };
  }
  throw new Error('record size over five bytes');
}

function sizeBytes(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

function faultRecord(name) {
  const text = Buffer.from(FAULT + name, 'utf8');
  return Buffer.concat([Buffer.from([0x08]), sizeBytes(text.length), text]);
}

/** Reads a string record at `at` (type byte already checked): its text and the next offset. */
function readString(buf, at) {
  const size = readSize(buf, at + 1);
  if (size === undefined || size.next + size.value > buf.length) return undefined;
  return {
    text: buf.subarray(size.next, size.next + size.value).toString('utf8'),
    next: size.next + size.value,
  };
}

/**
 * Parses the client's preamble up to its upgrade request. Returns { need: true } for more bytes,
 * { fault } to refuse, or { via, upgrade, next } once the upgrade request is complete.
 */
export function parsePreamble(buf) {
  if (buf.length < 1) return { need: true };
  if (buf[0] !== 0x00) return { fault: 'UnsupportedVersion' };
  if (buf.length < 3) return { need: true };
  if (buf[1] !== 1) return { fault: 'UnsupportedVersion' };
  if (buf.length < 5) return { need: true };
  if (buf[3] !== 0x01) return { fault: 'UnsupportedMode' };
  if (buf[4] !== 1 && buf[4] !== 2) return { fault: 'UnsupportedMode' };
  let at = 5;
  if (buf.length <= at) return { need: true };
  if (buf[at] !== 0x02) return { fault: 'EndpointNotFound' };
  const via = readString(buf, at);
  if (via === undefined) return { need: true };
  at = via.next;
  if (buf.length <= at) return { need: true };
  if (buf[at] === 0x03) {
    if (buf.length <= at + 1) return { need: true };
    if (buf[at + 1] > 0x08) return { fault: 'ContentTypeInvalid' };
    at += 2;
  } else if (buf[at] === 0x04) {
    const type = readString(buf, at);
    if (type === undefined) return { need: true };
    at = type.next;
  } else {
    return { fault: 'ContentTypeInvalid' };
  }
  if (buf.length <= at) return { need: true };
  // This endpoint requires transport security: a Preamble End without the upgrade is refused.
  if (buf[at] !== 0x09) return { fault: 'UpgradeInvalid' };
  const upgrade = readString(buf, at);
  if (upgrade === undefined) return { need: true };
  return { via: via.text, upgrade: upgrade.text, next: upgrade.next };
}

/**
 * Serves net.tcp with the ssl-tls upgrade on `address:port` (0: any free port). `certificate()`
 * returns { cert, key } (PEM) per handshake. `events` collects what happened, for tests.
 */
export function startNetTcpServer({ address = '127.0.0.1', port = 0, certificate }) {
  const events = [];
  const server = createServer((socket) => {
    let buf = Buffer.alloc(0);
    const refuse = (name) => {
      events.push({ fault: name });
      socket.end(faultRecord(name));
    };
    socket.on('error', () => socket.destroy());
    socket.setTimeout(15_000, () => socket.destroy());
    const onData = (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      let p;
      try {
        p = parsePreamble(buf);
      } catch {
        return refuse('UnsupportedVersion');
      }
      if (p.need) {
        if (buf.length > MAX_PREAMBLE) refuse('UnsupportedVersion');
        return;
      }
      socket.removeListener('data', onData);
      if (p.fault) return refuse(p.fault);
      if (p.upgrade !== SSL_TLS) return refuse('UpgradeInvalid');
      events.push({ via: p.via, upgrade: p.upgrade });
      socket.pause();
      socket.write(Buffer.from([0x0a]), () => startTls(socket, buf.subarray(p.next)));
    };
    socket.on('data', onData);
  });

  function startTls(socket, rest) {
    let material;
    try {
      material = certificate();
    } catch (error) {
      events.push({ error: String(error) });
      return socket.destroy();
    }
    const tls = new TLSSocket(socket, {
      isServer: true,
      secureContext: createSecureContext({ cert: material.cert, key: material.key }),
    });
    if (rest.length > 0) socket.unshift(rest);
    tls.on('error', () => tls.destroy());
    tls.on('secure', () => events.push({ tls: tls.getProtocol() }));
    tls.on('data', (d) => {
      // 2.2.3.7 Preamble End -> Preamble Ack; this simulation ends the session after it.
      if (d[0] === 0x0c) tls.end(Buffer.from([0x0b]));
      else tls.destroy();
    });
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      resolve({
        port: server.address().port,
        events,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

/** The certificate a BC instance serves: its configured thumbprint in the simulated store. */
export function instanceCertificate(root, instance) {
  return () => {
    const config = readFileSync(join(root, 'bc', instance, 'CustomSettings.config'), 'utf8');
    const m = /<add\s+key="ServicesCertificateThumbprint"\s+value="([0-9A-Fa-f]*)"/.exec(config);
    if (!m || m[1] === '') throw new Error(`${instance}: no ServicesCertificateThumbprint`);
    const base = join(root, 'store', 'LocalMachine', 'My', m[1].toUpperCase());
    return { cert: readFileSync(`${base}.cer`, 'utf8'), key: readFileSync(`${base}.key`, 'utf8') };
  };
}

function args(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const a = args(process.argv.slice(2));
  const certificate =
    a.root !== undefined
      ? instanceCertificate(a.root, a.instance)
      : () => ({ cert: readFileSync(a.cert, 'utf8'), key: readFileSync(a.key, 'utf8') });
  const s = await startNetTcpServer({
    address: a.address ?? '127.0.0.1',
    port: Number(a.port ?? 0),
    certificate,
  });
  process.stdout.write(`${JSON.stringify({ listening: s.port })}\n`);
}
