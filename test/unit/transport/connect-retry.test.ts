import { describe, expect, it } from 'vitest';
import { connectRetryable } from '../../../src/transport/ssh/connect.js';

// Which failed SSH connection attempts are made again: only a connection the network cut during
// the key exchange, before any authentication, on a socket of its own.
const fresh = { verifierRan: false, hostKeyRefused: false, authStarted: false };
const closed = new Error('connection closed during the handshake');
const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });

describe('connectRetryable', () => {
  it('retries a connection closed or reset during the handshake', () => {
    expect(connectRetryable(closed, fresh, false)).toBe(true);
    expect(connectRetryable(reset, { ...fresh, verifierRan: true }, false)).toBe(true);
  });

  it('never repeats an authentication attempt', () => {
    expect(connectRetryable(closed, { ...fresh, authStarted: true }, false)).toBe(false);
  });

  it('never retries a refused host key, a timeout, a refusal or a spent jump channel', () => {
    expect(connectRetryable(closed, { ...fresh, hostKeyRefused: true }, false)).toBe(false);
    const timeout = Object.assign(new Error('Timed out while waiting for handshake'), {
      level: 'client-timeout',
    });
    expect(connectRetryable(timeout, fresh, false)).toBe(false);
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(connectRetryable(refused, fresh, false)).toBe(false);
    expect(connectRetryable(closed, fresh, true)).toBe(false);
  });
});
