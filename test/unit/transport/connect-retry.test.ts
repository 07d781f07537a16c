import { describe, expect, it } from 'vitest';
import {
  CONNECT_ATTEMPTS,
  connectRetryable,
  markRetryable,
  withConnectRetry,
} from '../../../src/transport/ssh/connect-retry.js';

// Which failed SSH connection attempts are made again: only a connection the network cut during
// the key exchange, before any authentication, on a socket of its own.
const fresh = { hostKeyRefused: false, authStarted: false };
const closed = new Error('connection closed during the handshake');
const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });

describe('connectRetryable', () => {
  it('retries a connection closed or reset during the handshake', () => {
    expect(connectRetryable(closed, fresh, false)).toBe(true);
    expect(connectRetryable(reset, fresh, false)).toBe(true);
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

describe('withConnectRetry', () => {
  const failing = (marked: boolean, succeedOn = Infinity) => {
    let calls = 0;
    const attempt = (): Promise<string> => {
      calls++;
      if (calls >= succeedOn) return Promise.resolve('connected');
      const error = new Error(`attempt ${calls}`);
      if (marked) markRetryable(error);
      return Promise.reject(error);
    };
    return { attempt, calls: () => calls };
  };

  it('makes a cut attempt again, and returns the first that connects', async () => {
    const f = failing(true, 3);
    await expect(withConnectRetry(undefined, f.attempt)).resolves.toBe('connected');
    expect(f.calls()).toBe(3);
  });

  it('stops after CONNECT_ATTEMPTS, with the last error', async () => {
    const f = failing(true);
    await expect(withConnectRetry(undefined, f.attempt)).rejects.toThrow(
      `attempt ${CONNECT_ATTEMPTS}`,
    );
    expect(f.calls()).toBe(CONNECT_ATTEMPTS);
  });

  it('does not make an unmarked failure again, and waits no longer once aborted', async () => {
    const once = failing(false);
    await expect(withConnectRetry(undefined, once.attempt)).rejects.toThrow('attempt 1');
    expect(once.calls()).toBe(1);
    const controller = new AbortController();
    controller.abort();
    const t0 = Date.now();
    await expect(withConnectRetry(controller.signal, failing(true).attempt)).rejects.toThrow();
    expect(Date.now() - t0).toBeLessThan(200);
  });
});
