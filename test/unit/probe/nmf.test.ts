import { describe, expect, it } from 'vitest';
import {
  decodeSize,
  defaultVia,
  encodeSize,
  readUpgradeReply,
  sslTlsPreamble,
} from '../../../src/probe/nmf.js';

describe('.NET Message Framing, the client side a probe needs', () => {
  it.each([
    [0, [0x00]],
    [0x7f, [0x7f]],
    [0x80, [0x80, 0x01]],
    [0x3fff, [0xff, 0x7f]],
    [0x4000, [0x80, 0x80, 0x01]],
    [0xffffffff, [0xff, 0xff, 0xff, 0xff, 0x0f]],
  ])('encodes record size %i as %j and decodes it back', (n, bytes) => {
    expect([...encodeSize(n)]).toEqual(bytes);
    expect(decodeSize(Buffer.from(bytes), 0)).toEqual({ value: n, length: bytes.length });
  });

  it('refuses a size over five bytes and waits for an incomplete one', () => {
    expect(() => decodeSize(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), 0)).toThrow();
    expect(decodeSize(Buffer.from([0x80]), 0)).toBeUndefined();
  });

  it('writes the preamble: version 1.0, duplex, via, binary session encoding, ssl-tls upgrade', () => {
    const via = 'net.tcp://bc.contoso.test:7046/BC240/Service';
    const p = sslTlsPreamble(via);
    const expected = Buffer.concat([
      Buffer.from([0x00, 0x01, 0x00, 0x01, 0x02, 0x02, via.length]),
      Buffer.from(via),
      Buffer.from([0x03, 0x08, 0x09, 19]),
      Buffer.from('application/ssl-tls'),
    ]);
    expect(p.equals(expected)).toBe(true);
  });

  it('reads an upgrade response, a fault, and a peer that does not frame', () => {
    expect(readUpgradeReply(Buffer.alloc(0))).toEqual({ kind: 'incomplete' });
    expect(readUpgradeReply(Buffer.from([0x0a]))).toEqual({ kind: 'upgraded', consumed: 1 });
    const fault = 'http://schemas.microsoft.com/ws/2006/05/framing/faults/EndpointNotFound';
    const record = Buffer.concat([Buffer.from([0x08, fault.length]), Buffer.from(fault)]);
    expect(readUpgradeReply(record)).toEqual({ kind: 'fault', fault });
    expect(readUpgradeReply(record.subarray(0, 10))).toEqual({ kind: 'incomplete' });
    // A TLS alert record (0x15) or HTTP text is not framing.
    expect(readUpgradeReply(Buffer.from([0x15, 0x03, 0x03]))).toEqual({
      kind: 'unexpected',
      first: 0x15,
    });
    expect(readUpgradeReply(Buffer.from('HTTP/1.1 400'))).toEqual({
      kind: 'unexpected',
      first: 0x48,
    });
  });

  it('defaults the via to the endpoint root, brackets around IPv6', () => {
    expect(defaultVia('bc.contoso.test', 7046)).toBe('net.tcp://bc.contoso.test:7046/');
    expect(defaultVia('::1', 7046)).toBe('net.tcp://[::1]:7046/');
  });
});
