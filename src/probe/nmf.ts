// The client side of .NET Message Framing ([MC-NMF]) as far as a certificate probe needs it: the
// preamble of a duplex net.tcp session with an `application/ssl-tls` upgrade, and the server's
// answer to it. TLS then runs inside the same TCP stream. Pure: bytes in, bytes out.
// Section numbers are [MC-NMF]'s (learn.microsoft.com/openspecs/windows_protocols/mc-nmf).

/** Record types (2.2.3 Property Records and the envelope, end and fault records). */
export const NMF = {
  version: 0x00,
  mode: 0x01,
  via: 0x02,
  knownEncoding: 0x03,
  extensibleEncoding: 0x04,
  unsizedEnvelope: 0x05,
  sizedEnvelope: 0x06,
  end: 0x07,
  fault: 0x08,
  upgradeRequest: 0x09,
  upgradeResponse: 0x0a,
  preambleAck: 0x0b,
  preambleEnd: 0x0c,
} as const;

/** 2.2.3.2: mode 2 is duplex, what a net.tcp binding with buffered transfer uses. */
export const MODE_DUPLEX = 0x02;
/** 2.2.3.4: 0x08 is the binary encoding with an in-band dictionary (binary session), net.tcp's default. */
export const ENCODING_BINARY_SESSION = 0x08;
/** 2.2.3.5: the upgrade to TLS. */
export const UPGRADE_SSL_TLS = 'application/ssl-tls';
/** 2.2.2: a record size takes at most five bytes (a 32-bit value). */
const MAX_SIZE_BYTES = 5;
/** A fault string longer than this is not a framing fault: stop reading. */
const MAX_FAULT_BYTES = 4096;

/** 2.2.2 Record Size Encoding: seven bits per byte, least significant first, high bit = more. */
export function encodeSize(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`bad record size ${n}`);
  const out: number[] = [];
  let rest = n;
  do {
    const low = rest & 0x7f;
    rest = Math.floor(rest / 128);
    out.push(rest > 0 ? low | 0x80 : low);
  } while (rest > 0);
  return Buffer.from(out);
}

/** Decodes a record size at `offset`: the value and its length, or undefined if incomplete. */
export function decodeSize(
  buf: Buffer,
  offset: number,
): { value: number; length: number } | undefined {
  let value = 0;
  for (let i = 0; i < MAX_SIZE_BYTES; i++) {
    const byte = buf[offset + i];
    if (byte === undefined) return undefined;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return { value, length: i + 1 };
  }
  throw new RangeError('a record size longer than five bytes');
}

function stringRecord(type: number, text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from([type]), encodeSize(bytes.length), bytes]);
}

/**
 * The preamble a net.tcp client sends before TLS (2.2.6 Preamble Message, then 2.2.3.5): version
 * 1.0 (2.2.3.1), duplex mode (2.2.3.2), the via (2.2.3.3: the endpoint's net.tcp URI), the binary
 * session encoding (2.2.3.4), and the upgrade request for `application/ssl-tls`.
 */
export function sslTlsPreamble(via: string): Buffer {
  return Buffer.concat([
    Buffer.from([NMF.version, 1, 0, NMF.mode, MODE_DUPLEX]),
    stringRecord(NMF.via, via),
    Buffer.from([NMF.knownEncoding, ENCODING_BINARY_SESSION]),
    stringRecord(NMF.upgradeRequest, UPGRADE_SSL_TLS),
  ]);
}

/** 2.2.3.7 Preamble End: sent inside TLS once the upgrade is done; the server answers with a Preamble Ack (0x0B). */
export const PREAMBLE_END = Buffer.from([NMF.preambleEnd]);

export type UpgradeReply =
  | { readonly kind: 'incomplete' }
  /** Upgrade Response (0x0A, 2.2.3.6): TLS starts after `consumed` bytes. */
  | { readonly kind: 'upgraded'; readonly consumed: number }
  /** Fault Record (0x08): the server refused, e.g. `.../framing/faults/UpgradeInvalid`. */
  | { readonly kind: 'fault'; readonly fault: string }
  /** Anything else: not a .NET Message Framing server. */
  | { readonly kind: 'unexpected'; readonly first: number };

/** The server's answer to the preamble, from the bytes read so far. */
export function readUpgradeReply(buf: Buffer): UpgradeReply {
  const type = buf[0];
  if (type === undefined) return { kind: 'incomplete' };
  if (type === NMF.upgradeResponse) return { kind: 'upgraded', consumed: 1 };
  if (type !== NMF.fault) return { kind: 'unexpected', first: type };
  const size = decodeSize(buf, 1);
  if (size === undefined) return { kind: 'incomplete' };
  if (size.value > MAX_FAULT_BYTES) return { kind: 'unexpected', first: type };
  const start = 1 + size.length;
  if (buf.length < start + size.value) return { kind: 'incomplete' };
  return { kind: 'fault', fault: buf.subarray(start, start + size.value).toString('utf8') };
}

/** The via for a target when the inventory names none: the endpoint's root URI. */
export function defaultVia(name: string, port: number): string {
  const host = name.includes(':') ? `[${name}]` : name;
  return `net.tcp://${host}:${port}/`;
}
