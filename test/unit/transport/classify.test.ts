import { describe, expect, it } from 'vitest';
import { transportInput } from '../../../src/inventory/schema.js';
import {
  assertSuccess,
  classifySshError,
  commandTimeout,
  hostKeyError,
} from '../../../src/transport/classify.js';

const ctx = {
  target: 'web-03 (10.0.4.7:22)',
  verdict: undefined,
  hostKeyRefused: false,
  connectTimeoutMs: 5000,
};
const err = (message: string, extra: object) => Object.assign(new Error(message), extra);

describe('classifying transport failures', () => {
  it('writes the host key message users are told to expect', () => {
    const e = hostKeyError('web-03 (10.0.4.7:22)', {
      status: 'changed',
      fingerprint: 'SHA256:abc',
      known: ['/k:3'],
    });
    expect(e.code).toBe('TRANSPORT_HOST_KEY');
    expect(e.message).toBe(
      'Host web-03 (10.0.4.7:22): SSH host key does not match known_hosts (SHA256:abc; expected the key at /k:3).',
    );
    expect(e.hint).toBe(
      'If the host was rebuilt, update known_hosts; certroll never accepts a changed key.',
    );
  });

  it('maps ssh2 errors by level and code', () => {
    expect(
      classifySshError(
        err('All configured authentication methods failed', { level: 'client-authentication' }),
        ctx,
      ).code,
    ).toBe('TRANSPORT_AUTH');
    expect(
      classifySshError(
        err('Timed out while waiting for handshake', { level: 'client-timeout' }),
        ctx,
      ).code,
    ).toBe('TRANSPORT_TIMEOUT');
    expect(
      classifySshError(
        err('connect ECONNREFUSED', { level: 'client-socket', code: 'ECONNREFUSED' }),
        ctx,
      ).code,
    ).toBe('TRANSPORT_UNREACHABLE');
    expect(
      classifySshError(
        err('getaddrinfo ENOTFOUND', { level: 'client-dns', code: 'ENOTFOUND' }),
        ctx,
      ).code,
    ).toBe('TRANSPORT_UNREACHABLE');
    expect(
      classifySshError(err('Host denied (verification failed)', { level: 'handshake' }), {
        ...ctx,
        hostKeyRefused: true,
      }).code,
    ).toBe('TRANSPORT_HOST_KEY');
  });

  it('judges by exit code and quotes the tail of stderr on failure', () => {
    const r = { exitCode: 0, stdout: '', stderr: 'warning', durationMs: 1 };
    expect(assertSuccess(r, 'x')).toBe(r);
    const long = 'a'.repeat(1000) + 'THE END';
    expect(() => assertSuccess({ ...r, exitCode: 2, stderr: long }, 'reload', 'h')).toThrow(
      /^Host h: reload failed with exit code 2: \.\.\.a+THE END$/,
    );
  });

  it('names timeout fields the inventory really has, as durations, and where to set them', () => {
    const connect = classifySshError(err('Timed out', { level: 'client-timeout' }), ctx);
    for (const [hint, field, fallback] of [
      [connect.hint ?? '', 'connectTimeout', '10s'],
      [commandTimeout('web-03', 300_000).hint ?? '', 'commandTimeout', '5m'],
    ] as const) {
      expect(hint).toContain(
        `transport.${field} (a duration such as 30s or 10m; default ${fallback})`,
      );
      expect(hint).toContain(`defaults.transport.${field}`);
      expect(hint).not.toMatch(/TimeoutMs/);
      // Every transport.X the hint names is a field of the inventory's transport section.
      for (const m of hint.matchAll(/transport\.(\w+)/g)) {
        expect(Object.keys(transportInput.shape)).toContain(m[1]);
      }
      expect(transportInput.safeParse({ [field]: fallback }).success).toBe(true);
    }
  });
});
